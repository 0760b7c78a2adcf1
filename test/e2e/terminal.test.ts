// Terminal conventions through the real command line, as an unprivileged user: colour by --color, NO_COLOR,
// FORCE_COLOR and a real terminal (script(1) gives the command a pty); the completion scripts loaded and run in
// the real bash, zsh (its completion system, in a pty) and fish; the man page through groff and man, holding
// every option that --help lists.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumer, FIXTURES, isRoot, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const NOBODY = 65534;
const ESC = String.fromCharCode(27);
const BASH = consumer('/usr/bin/bash', 'bash', 'bash completion');
const ZSH = consumer('/usr/bin/zsh', 'zsh', 'zsh completion');
const FISH = consumer('/usr/bin/fish', 'fish', 'fish completion');
const SCRIPT = consumer('/usr/bin/script', 'util-linux', 'colour on a terminal');
const GROFF = consumer('/usr/bin/groff', 'groff-base', 'man page through groff');
const MAN = consumer('/usr/bin/man', 'man-db', 'man page through man');

describe('terminal conventions', () => {
  let work: string;
  const as = isRoot ? { uid: NOBODY, gid: NOBODY } : {};
  const baseEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, TMPDIR: work });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cgbench-e2e-terminal-'));
    chmodSync(work, 0o755);
    if (isRoot) chownSync(work, NOBODY, NOBODY);
    const night = (out: string): Promise<Result> =>
      cgbench(['run', '--preset', 'seed', '--runtime', 'fake', '-r', '2', '-w', '0', '--out', join(work, out), '--report', 'none']);
    for (const res of await Promise.all([night('a'), night('b')])) expect(res.status, res.stderr).toBe(0);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  interface Result {
    status: number | null;
    stdout: string;
    stderr: string;
  }

  /** A program run without blocking the test runner (its workers answer the runner while this machine is busy). */
  function run(program: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
    return new Promise((resolve) => {
      const options = { encoding: 'utf8' as const, cwd: work, env: { ...baseEnv(), ...env }, timeout: 90_000, maxBuffer: 1 << 26, ...as };
      execFile(program, args, options, (err, stdout, stderr) => {
        const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ status, stdout, stderr });
      });
    });
  }

  const cgbench = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> => run(process.execPath, [CLI, ...args], env);

  const compareArgs = (): string[] => ['compare', join(work, 'a', 'results.json'), join(work, 'b', 'results.json')];

  it('colour: none in a pipe; --color always, FORCE_COLOR give it; NO_COLOR and --color never take it away', async () => {
    const [plain, always, flagOverNoColor, forced, forcedNoColor, never, json, bad, help, helpPlain] = await Promise.all([
      cgbench(compareArgs()),
      cgbench([...compareArgs(), '--color', 'always']),
      // The flag wins over NO_COLOR (no-color.org: a user's explicit choice overrides it).
      cgbench([...compareArgs(), '--color=always'], { NO_COLOR: '1' }),
      cgbench(compareArgs(), { FORCE_COLOR: '1' }),
      cgbench(compareArgs(), { FORCE_COLOR: '1', NO_COLOR: '1' }),
      cgbench(['--color', 'never', ...compareArgs()], { FORCE_COLOR: '1' }),
      // Machine formats never carry colour.
      cgbench([...compareArgs(), '--format', 'json', '--color', 'always']),
      cgbench([...compareArgs(), '--color', 'sometimes']),
      // Help follows the same rule.
      cgbench(['run', '--help', '--color', 'always']),
      cgbench(['run', '--help']),
    ]);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).not.toContain(ESC);
    expect(always.stdout).toContain(`${ESC}[32mPASS: `);
    expect(flagOverNoColor.stdout).toContain(ESC);
    expect(forced.stdout).toContain(ESC);
    expect(forcedNoColor.stdout).not.toContain(ESC);
    expect(never.stdout).not.toContain(ESC);
    expect(json.stdout).not.toContain(ESC);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(
      /^cgbench: option '--color <when>' argument 'sometimes' is invalid\. Allowed choices are auto, always, never\./,
    );
    expect(help.stdout).toContain(`${ESC}[1mUsage:`);
    expect(helpPlain.stdout).not.toContain(ESC);
  });

  it.skipIf(!SCRIPT)('colour on a real terminal by default, and not with NO_COLOR or TERM=dumb', async () => {
    // script(1) runs the command on a pseudo-terminal and copies what it printed.
    const cmd = [process.execPath, CLI, ...compareArgs()].map((a) => `'${a}'`).join(' ');
    const onTty = (env: NodeJS.ProcessEnv): Promise<Result> => run(SCRIPT as string, ['-qec', cmd, '/dev/null'], { TERM: 'xterm', ...env });
    const [tty, noColor, dumb] = await Promise.all([onTty({}), onTty({ NO_COLOR: '1' }), onTty({ TERM: 'dumb' })]);
    for (const r of [tty, noColor, dumb]) expect(r.status, r.stderr).toBe(0);
    expect(tty.stdout).toContain(`${ESC}[32mPASS: `);
    expect(noColor.stdout).not.toContain(`${ESC}[32m`);
    expect(dumb.stdout).not.toContain(`${ESC}[32m`);
  });

  const completionScript = async (shell: string): Promise<string> => {
    const res = await cgbench(['completion', shell]);
    expect(res.status, res.stderr).toBe(0);
    const file = join(work, `cgbench.${shell}`);
    writeFileSync(file, res.stdout);
    return file;
  };

  /** What each shell should offer at a command line (candidates, in any order). */
  const EXPECTED: [string, string[]][] = [
    ['cgbench ru', ['run']],
    ['cgbench run --pre', ['--preset']],
    ['cgbench run --preset q', ['quick']],
    ['cgbench history ', ['add', 'list', 'show', 'trend']],
    ['cgbench history trend --format ', ['html', 'png', 'md']],
    ['cgbench run --report html,b', ['html,bencher']],
    ['cgbench compare --format j', ['json', 'junit']],
    ['cgbench completion ', ['bash', 'zsh', 'fish']],
    ['cgbench --color never run -p s', ['seed', 'services']],
    ['cgbench compare --jun', ['--junit']],
  ];

  it.skipIf(!BASH)('bash: the script loads in bash and completes commands, options and their values', async () => {
    const file = await completionScript('bash');
    writeFileSync(join(work, 'night.json'), '{}');
    const lines = [
      ...EXPECTED.map(([line]) => line.split(' ')),
      // Files for a result document, directories for --out.
      ['cgbench', 'report', 'ni'],
      ['cgbench', 'run', '--out', ''],
    ].map(
      (words) => `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _cgbench; echo "\${COMPREPLY[*]}"`,
    );
    const res = await run(BASH as string, ['--norc', '--noprofile', '-c', [`source '${file}'`, `cd '${work}'`, ...lines].join('\n')]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr).toBe('');
    const got = res.stdout.trimEnd().split('\n');
    EXPECTED.forEach(([line, want], i) => expect(new Set((got[i] ?? '').split(' ')), line).toEqual(new Set(want)));
    expect(got[EXPECTED.length]).toBe('night.json');
    expect(new Set(got[EXPECTED.length + 1]?.split(' '))).toEqual(new Set(['a', 'b']));
  });

  it.skipIf(!ZSH)("zsh: compinit loads the script and zsh's own completion offers the same", async () => {
    const file = await completionScript('zsh');
    const res = await run(ZSH as string, ['-f', join(FIXTURES, 'shell', 'zsh-complete.zsh')], {
      SCRIPT: file,
      OUT: join(work, 'zsh-candidates'),
      CGBENCH_LINES: EXPECTED.map(([l]) => l).join('\n'),
      TERM: 'xterm',
    });
    expect(res.status, res.stderr).toBe(0);
    const got = new Map(
      res.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split('\t') as [string, string]),
    );
    for (const [line, want] of EXPECTED) {
      // zsh keeps a list's typed words in front and offers the rest of the word.
      const expected = line.endsWith('html,b') ? ['bencher'] : want;
      expect(new Set((got.get(line) ?? '').split(' ')), line).toEqual(new Set(expected));
    }
  });

  it.skipIf(!FISH)("fish: the script loads in fish and fish's `complete -C` offers the same", async () => {
    const file = await completionScript('fish');
    const cmds = EXPECTED.map(([line]) => `complete -C'${line}'; echo '@@'`);
    const res = await run(FISH as string, ['--no-config', '-c', [`source '${file}'`, ...cmds].join('\n')]);
    expect(res.status, res.stderr).toBe(0);
    const blocks = res.stdout.split('@@\n');
    EXPECTED.forEach(([line, want], i) => {
      const got = (blocks[i] ?? '')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
      expect(new Set(got), line).toEqual(new Set(want));
    });
  });

  /** The commands a --help lists under "Commands:" (commander's own `help` aside). */
  const listed = (help: string): string[] =>
    [...(help.split('\nCommands:\n')[1] ?? '').matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1] ?? '').filter((c) => c !== 'help');

  it.skipIf(!GROFF || !MAN)(
    'man: groff reads it without a warning; the page holds every command, and every option --help lists',
    async () => {
      const page = await cgbench(['man']);
      expect(page.status, page.stderr).toBe(0);
      const file = join(work, 'cgbench.1');
      writeFileSync(file, page.stdout);
      const [lint, shown, top, history] = await Promise.all([
        run(GROFF as string, ['-man', '-Tutf8', '-ww', '-z', file]),
        run(MAN as string, ['-l', file], { MANWIDTH: '200', PAGER: 'cat' }),
        cgbench(['--help']),
        cgbench(['history', '--help']),
      ]);
      expect(lint.status).toBe(0);
      expect(lint.stderr).toBe('');
      expect(shown.status, shown.stderr).toBe(0);
      // man marks bold and underline by overstriking: keep the plain letters.
      const text = shown.stdout.replace(new RegExp(`.${String.fromCharCode(8)}`, 'g'), '');
      const commands = [...listed(top.stdout), ...listed(history.stdout).map((c) => `history ${c}`)];
      expect(commands).toEqual(expect.arrayContaining(['run', 'compare', 'completion', 'man', 'history trend']));
      for (const c of commands) expect(text, c).toContain(`cgbench ${c} [options]`);
      // Every option of the commands with the most (a --help each costs a process on a busy machine).
      const checked = ['', 'run', 'report', 'compare', 'history trend', 'completion'];
      const helps = await Promise.all(checked.map((c) => cgbench([...c.split(' ').filter(Boolean), '--help'])));
      checked.forEach((c, i) => {
        const help = helps[i] as Result;
        expect(help.status).toBe(0);
        // Every option line of --help ("  -p, --preset <name>  ...") is in the page.
        const terms = [...help.stdout.matchAll(/^ {2}(-[^ ].*?)(?: {2,}|$)/gm)].map((m) => m[1] ?? '');
        expect(terms.length, c).toBeGreaterThan(0);
        for (const t of terms) expect(text, `${c}: ${t}`).toContain(t);
      });
      expect(text).toMatch(/EXIT STATUS\s+0\s+done: every run ended as a result/);
      expect(text).toMatch(/ENVIRONMENT\s+NO_COLOR/);
    },
  );
});
