// Terminal conventions through the real command line, as an unprivileged user: colour by --color, NO_COLOR,
// FORCE_COLOR and a real terminal (script(1) gives the command a pty).
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumer, isRoot, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const NOBODY = 65534;
const ESC = String.fromCharCode(27);
const SCRIPT = consumer('/usr/bin/script', 'util-linux', 'colour on a terminal');

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
});
