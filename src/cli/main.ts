#!/usr/bin/env node
// The cgbench command line: argument wiring only; the work lives in the modules it calls.

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isCgbenchError } from '../model/errors.js';
import type { RuntimeName } from '../model/types.js';
import { toolVersion } from '../host.js';
import { listPresets } from '../scenario/load.js';
import { WORKLOADS } from '../workloads/registry.js';
import { cleanCommand } from './clean.js';
import { compareCommand } from './compare.js';
import { reportCommand } from './report.js';
import { doctorChecks, renderChecks } from './doctor.js';
import { runCommand } from './run.js';

function positiveInt(name: string, min = 1) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function runtimeList(v: string): RuntimeName[] {
  const list = v.split(',').map((s) => s.trim());
  for (const r of list) if (!['native', 'docker', 'fake'].includes(r)) throw new InvalidArgumentError(`unknown runtime "${r}" (native, docker, fake)`);
  return list as RuntimeName[];
}

const ENVIRONMENT_ERRORS = new Set(['E_NOT_ROOT', 'E_CGROUP', 'E_CONTROLLER', 'E_DOCKER', 'E_NATIVE_BUILD']);

const program = new Command();
program
  .name('cgbench')
  .description('Measure what cgroup limits (CPU quota, memory, IO throttles) do to workloads')
  .version(toolVersion())
  .showHelpAfterError()
  .exitOverride();

program
  .command('run')
  .description('run a scenario (a YAML/JSON file or a preset) and print a table per workload')
  .argument('[scenario]', 'scenario file (YAML or JSON); default: --preset quick')
  .option('-p, --preset <name>', 'run a preset from workloads/ (see `cgbench list`)')
  .option('-o, --out <dir>', 'directory for results.json (default: reports/<time>-<scenario>)')
  .option('-r, --repetitions <n>', 'measured repetitions per cell', positiveInt('--repetitions'))
  .option('-w, --warmup <n>', 'warm-up runs per cell (not measured)', positiveInt('--warmup', 0))
  .addOption(new Option('--runtime <list>', 'runtimes to use: native, docker, fake (simulation, no root)').argParser(runtimeList))
  .option('--scratch <dir>', 'directory on a real disk for IO and page-cache files (default: $CGBENCH_SCRATCH, $TMPDIR or /var/tmp)')
  .option('--sample-interval <ms>', 'stat-file sampling interval in ms, 1..10000 (default: the scenario\'s, 100)', (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('--sample-interval must be 1..10000 ms');
    return n;
  })
  .option('--target-ci <pct>', 'adaptive repetitions: repeat each cell until the median\'s 95 % interval is within ±pct (e.g. 2%)', (v: string) => {
    const n = Number(v.replace(/%$/, '')) / 100;
    if (!Number.isFinite(n) || n <= 0 || n >= 1) throw new InvalidArgumentError('--target-ci must be a percentage such as 2%');
    return n;
  })
  .option('--max-repetitions <n>', 'adaptive repetitions: upper bound per cell (default 20)', positiveInt('--max-repetitions', 2))
  .option('--docker-host <url>', 'Docker engine for --runtime docker (default: $DOCKER_HOST), e.g. unix:///var/tmp/cgbench-docker/docker.sock')
  .option('--report <formats>', 'reports to write next to results.json: html, png, md, csv, json, or none (default: html,md)')
  .option('--json', 'print the result document on stdout instead of the tables')
  .action(async (scenario: string | undefined, opts) => {
    const res = await runCommand(scenario, opts);
    process.exitCode = res.exitCode;
  });

program
  .command('report')
  .description('re-render reports from a saved results.json')
  .argument('<results>', 'a results.json written by cgbench run')
  .option('-f, --format <list>', 'html, png, md, csv, json (default: html,md)')
  .option('-o, --out <dir>', 'output directory (default: the folder of results.json)')
  .action(async (file: string, opts: { format?: string; out?: string }) => {
    const res = await reportCommand(file, opts);
    for (const p of res.paths) process.stdout.write(p + '\n');
  });

program
  .command('compare')
  .description('compare two results.json (base, current); exit 1 on a significant regression beyond the threshold')
  .argument('<base>', 'baseline results.json (e.g. yesterday\'s)')
  .argument('<current>', 'current results.json')
  .option('-t, --threshold <pct>', 'regressions smaller than this are tolerated', '5%')
  .option('-f, --format <fmt>', 'table, md or json', 'table')
  .action((base: string, current: string, opts: { threshold?: string; format?: string }) => {
    const res = compareCommand(base, current, opts);
    process.stdout.write(res.output.endsWith('\n') ? res.output : res.output + '\n');
    process.exitCode = res.exitCode;
  });

program
  .command('doctor')
  .description('check root, cgroup mode and controllers, compiler, IO disk and Docker')
  .option('--scratch <dir>', 'scratch directory to check for IO throttling')
  .option('--docker-host <url>', 'Docker engine to check (default: $DOCKER_HOST)')
  .option('--json', 'print the checks as JSON')
  .action((opts: { scratch?: string; dockerHost?: string; json?: boolean }) => {
    const checks = doctorChecks(opts.scratch, opts.dockerHost);
    process.stdout.write(opts.json ? JSON.stringify(checks, null, 2) + '\n' : renderChecks(checks) + '\n');
    // Docker is optional: only the checks the native runtime needs decide the exit code.
    process.exitCode = checks.some((c) => !c.ok && c.name !== 'docker') ? 1 : 0;
  });

program
  .command('list')
  .description('list the built-in workloads and the presets')
  .action(() => {
    const lines = ['Workloads:'];
    for (const w of WORKLOADS) lines.push(`  ${w.kind.padEnd(8)} ${w.summary}\n  ${''.padEnd(8)} params: ${w.params}`);
    lines.push('', 'Presets (cgbench run --preset NAME):');
    for (const p of listPresets()) lines.push(`  ${p.name.padEnd(8)} ${p.description}`);
    process.stdout.write(lines.join('\n') + '\n');
  });

program
  .command('clean')
  .description('remove cgroups and Docker containers left behind by an interrupted or crashed cgbench')
  .option('-n, --dry-run', 'only list what would be removed')
  .option('--docker-host <url>', 'Docker engine to clean (default: $DOCKER_HOST)')
  .option('--images', 'also remove the cgbench-workloads image (rebuilt on the next docker run)')
  .option('--force', 'also remove groups that still have processes (kills them)')
  .action(async (opts: { dryRun?: boolean; dockerHost?: string; images?: boolean; force?: boolean }) => {
    const found = await cleanCommand(Boolean(opts.dryRun), { dockerHost: opts.dockerHost, images: Boolean(opts.images), force: Boolean(opts.force) });
    const verb = opts.dryRun ? 'would remove' : 'removed';
    const lines: string[] = [];
    if (found.groups.length) lines.push(`${verb} ${found.groups.length} group(s): ${found.groups.join(', ')}`);
    if (found.containers.length) lines.push(`${verb} ${found.containers.length} container(s): ${found.containers.join(', ')}`);
    if (found.tempDirs.length) lines.push(`${verb} ${found.tempDirs.length} temp dir(s): ${found.tempDirs.join(', ')}`);
    if (found.busy.length) lines.push(`kept ${found.busy.length} group(s) with running processes (a suite still running?): ${found.busy.join(', ')}; --force removes them`);
    process.stdout.write((lines.length ? lines.join('\n') : 'nothing to clean') + '\n');
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof CommanderError) {
    // Help and version are not errors; usage errors are bad input (exit 2), like a bad scenario.
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if (isCgbenchError(e)) {
    process.stderr.write(`cgbench: ${e.format()}\n`);
    // 2: the input is wrong (scenario, options, paths); 3: the machine cannot do it (root, cgroups, Docker).
    process.exitCode = ENVIRONMENT_ERRORS.has(e.code) ? 3 : 2;
  } else {
    process.stderr.write(`cgbench: unexpected error (a bug; please report it):\n${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 70;
  }
});
