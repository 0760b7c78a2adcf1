#!/usr/bin/env node
// The cgbench command line: argument wiring only. Each command calls its function in app/ and prints
// what it returns; known errors become one line and an exit code, anything else a stack.

import { Argument, Command, CommanderError, Option } from 'commander';
import { cleanCommand, renderClean } from '../app/clean.js';
import { type CollectOptions, collectCommand } from '../app/collect.js';
import { renderCompletion, type Shell, SHELLS } from '../app/completion.js';
import { COLOR_MODES, type ColorMode, colorWanted, setColorMode } from '../app/color.js';
import { runCompare } from '../app/compare.js';
import { doctorChecks, doctorExitCode, renderChecks } from '../app/doctor.js';
import { type FitOptions, fitCommand } from '../app/fit.js';
import { historyAdd, historyList, historyShow, historyTrend, type HistoryFilterOptions, type TrendOptions } from '../app/history.js';
import { toolVersion } from '../app/host.js';
import { listText, presetNames } from '../app/list.js';
import { renderManPage } from '../app/man.js';
import { mergeCommand } from '../app/merge.js';
import { PLAN_PRESET, PLAN_TARGETS, type PlanOptions, planCommand } from '../app/plan.js';
import { DEFAULT_PUSH_JOB } from '../app/push.js';
import { type ReportOptions, reportCommand } from '../app/report.js';
import { type RunOptions, runCommand } from '../app/run.js';
import { drainStdio, guardStdio } from '../app/streams.js';
import {
  BOUNDS,
  COMPARE_FORMATS,
  DEFAULT_COMPARE_FORMAT,
  DEFAULT_HISTORY_DB,
  DEFAULT_HISTORY_NIGHTS,
  DEFAULT_HOST_MATCH,
  DEFAULT_REPORT_FORMATS,
  DEFAULT_THRESHOLD_PCT,
  FIT_DEFAULTS,
  FIT_KNOBS,
  REPORT_FORMATS,
  RUN_ORDERS,
  SCENARIO_DEFAULTS,
} from '../model/defaults.js';
import { RUN_RUNTIMES, RUNTIME_NAMES } from '../app/runtimes.js';
import { EXIT_BAD_INPUT, EXIT_BUG, EXIT_CODES_HELP, exitCodeFor, isCgbenchError } from '../model/errors.js';
import { ANSI } from '../reporters/style.js';
import { DEFAULT_TREND_FORMATS, TREND_FORMATS } from '../reporters/trend.js';
import { commandPath, commandTree, describeCommand } from './commands.js';
import {
  collect,
  integerIn,
  percentBetween,
  positiveInt,
  runtimeList,
  SAMPLE_INTERVAL_RANGE,
  sampleInterval,
  targetCi,
} from './options.js';

function print(text: string): void {
  if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

// A closed pipe (`cgbench run --json | head`) ends the output, not cgbench.
guardStdio();

const program = new Command();
program
  .name('cgbench')
  .description('Measure what cgroup limits (CPU quota, memory, IO throttles) do to workloads')
  .version(toolVersion())
  .addOption(
    new Option('--color <when>', 'colour on a terminal: auto (off in pipes, files and with NO_COLOR set), always, never')
      .choices(COLOR_MODES)
      .default('auto'),
  )
  // Headings bold; commander drops the codes where help goes to no colour terminal (getOutHasColors below).
  .configureHelp({ styleTitle: (t) => ANSI.bold(t) })
  .hook('preAction', () => setColorMode(colorMode()))
  .addHelpText('after', `\n${EXIT_CODES_HELP}`)
  .exitOverride();

/** --color as parsed so far: commander reads the whole command line before it shows help or runs an action. */
function colorMode(): ColorMode {
  return program.opts<{ color?: ColorMode }>().color ?? 'auto';
}

const D = SCENARIO_DEFAULTS;
const formats = (list: readonly string[]): string => list.join(',');

program
  .command('run')
  .description('run a scenario (a YAML/JSON file or a preset) and print a table per workload')
  .argument('[scenario]', `scenario file (YAML or JSON); default: --preset ${D.preset}`)
  .option('-p, --preset <name>', 'run a preset from workloads/ (see `cgbench list`)')
  .option('-o, --out <dir>', 'directory for results.json (default: reports/<time>-<scenario>)')
  .option(
    '-r, --repetitions <n>',
    `measured repetitions per cell (default: the scenario's, ${D.repetitions})`,
    integerIn('--repetitions', BOUNDS.repetitions),
  )
  .option(
    '-w, --warmup <n>',
    `warm-up runs per cell, not measured (default: the scenario's, ${D.warmup})`,
    integerIn('--warmup', BOUNDS.warmup),
  )
  .addOption(
    new Option(
      '--runtime <list>',
      `runtimes to use: ${RUN_RUNTIMES.join(', ')} (swarm: a Swarm job per run, manager at --docker-host; ` +
        'fake: a simulation, no root; `cgbench list` describes each)',
    ).argParser(runtimeList),
  )
  .option('--scratch <dir>', 'directory on a real disk for IO and page-cache files (default: $CGBENCH_SCRATCH, $TMPDIR or /var/tmp)')
  .option(
    '--sample-interval <ms>',
    `stat-file sampling interval for every cell, ${SAMPLE_INTERVAL_RANGE} ms, or auto: a CPU quota's cells at a tenth ` +
      `of the period or finer (within the launcher's cost), the others every ${D.coarseSampleIntervalMs} ms ` +
      `(default: the scenario's, ${D.sampleInterval})`,
    sampleInterval,
  )
  .option('--target-ci <pct>', "adaptive repetitions: repeat each cell until the median's 95 % interval is ±pct (e.g. 2%)", targetCi)
  .option(
    '--max-repetitions <n>',
    `adaptive repetitions: upper bound per cell (default ${D.adaptiveMaxRepetitions})`,
    integerIn('--max-repetitions', BOUNDS.maxRepetitions),
  )
  .addOption(
    new Option(
      '--order <order>',
      `run order on this machine: interleaved (each workload's cells in shuffled blocks, so drift falls on all alike) ` +
        `or sequential (each cell's runs back to back) (default: the scenario's, ${D.order})`,
    ).choices(RUN_ORDERS),
  )
  .option(
    '--seed <n>',
    'interleaved order: the seed of the shuffles, to repeat an order a document recorded',
    integerIn('--seed', BOUNDS.seed),
  )
  .option(
    '--docker-host <url>',
    'Docker engine for --runtime docker, or the swarm manager for --runtime swarm (default: $DOCKER_HOST), e.g. tcp://10.0.0.1:2375',
  )
  .option(
    '--report <formats>',
    `reports to write next to results.json: ${REPORT_FORMATS.join(', ')}, or none (default: ${formats(DEFAULT_REPORT_FORMATS)})`,
  )
  .option('--json', 'print the result document on stdout instead of the tables')
  .option(
    '--wide',
    'tables with every column that means something for the workload (default: its key columns, at most 100 wide or $COLUMNS)',
  )
  .option('--allow-failures', 'failed or timed-out runs (and OOM kills no limit set expects) do not fail the suite: exit 0, not 4')
  .option('--push <url>', 'after the suite, send the figures to a Prometheus Pushgateway, e.g. http://HOST:9091 (a failed push: exit 3)')
  .option('--push-job <name>', `the Pushgateway job (default: ${DEFAULT_PUSH_JOB}); the grouping key adds scenario and host`)
  .option('--no-wait', 'when another suite is measuring this host, refuse (exit 3) instead of waiting for it to finish')
  .option('--allow-concurrent', 'measure beside other suites on this host instead of waiting; every report warns that they ran')
  .addHelpText('after', `\n${EXIT_CODES_HELP}`)
  .action(async (scenario: string | undefined, opts: RunOptions) => {
    const res = await runCommand(scenario, opts);
    print(res.stdout);
    if (res.stderr) process.stderr.write(res.stderr);
    process.exitCode = res.exitCode;
  });

const F = FIT_DEFAULTS;
program
  .command('fit')
  .description('find the smallest limit (CPUs or memory) that meets every SLO, by measurement, and print the settings to paste')
  .argument('[scenario]', `scenario file (YAML or JSON) with the workload to fit; or --preset`)
  .option('-p, --preset <name>', 'take the workload from a preset (see `cgbench list`)')
  .option('--workload <name>', "which of the scenario's workloads (needed when it has several)")
  .option(
    '--slo <objective>',
    "an objective every run must meet, e.g. 'p99 <= 20ms', 'throughput >= 0.95x', 'slowdown <= 1.2' (repeat for more)",
    collect,
  )
  .addOption(
    new Option('--knob <knob>', 'what to search: cpus (a quota at the 100 ms period), memory (memory.max), memory-high')
      .choices([...FIT_KNOBS])
      .default('cpus'),
  )
  .option(
    '--range <bottom..top>',
    "the values searched, e.g. 0.1..4 (CPUs; 250m is millicores) or 64M..2G (default: 0.1 CPU to the host's CPUs, 16M to half its memory)",
  )
  .option(
    '--precision <pct>',
    `the answer within this much above the smallest value that holds (default ${F.precision * 100}%)`,
    percentBetween('--precision', 0, 100, '5%'),
  )
  .option(
    '--confidence <pct>',
    `one-sided confidence of each probe's decision (default ${F.confidence * 100}%)`,
    percentBetween('--confidence', 50, 100, '95%'),
  )
  .option(
    '--runs <n>',
    `measured runs a probe starts with (default ${F.runs})`,
    integerIn('--runs', { min: 2, max: BOUNDS.repetitions.max }),
  )
  .option(
    '--max-runs <n>',
    `most runs a probe gets while its decision is unclear (default ${F.maxRuns})`,
    integerIn('--max-runs', { min: 2, max: BOUNDS.repetitions.max }),
  )
  .option('--scan <n>', `probes of the first, coarse scan of the range (default ${F.scan})`, integerIn('--scan', { min: 0, max: 20 }))
  .option('--no-alternatives', 'do not try a shorter period, a burst or whole CPUs (cpuset) at the answer')
  .option('-w, --warmup <n>', "warm-up runs per probe (default: the scenario's)", integerIn('--warmup', BOUNDS.warmup))
  .addOption(new Option('--runtime <name>', `the runtime: ${RUN_RUNTIMES.join(', ')} (default: the scenario's)`).argParser(runtimeList))
  .option('--scratch <dir>', 'directory on a real disk for IO and page-cache files')
  .option(
    '--sample-interval <ms>',
    `stat-file sampling interval in ms, ${SAMPLE_INTERVAL_RANGE} (default: 2 ms for cpus on native, else the scenario's)`,
    sampleInterval,
  )
  .option('--docker-host <url>', 'Docker engine, or the swarm manager for --runtime swarm (default: $DOCKER_HOST)')
  .option('-o, --out <dir>', 'directory for results.json (default: reports/<time>-<scenario>)')
  .option(
    '--report <formats>',
    `reports to write next to results.json: ${REPORT_FORMATS.join(', ')}, or none (default: ${formats(DEFAULT_REPORT_FORMATS)})`,
  )
  .option('--json', 'print the result document (with its fit section) instead of the answer')
  .option('--no-wait', 'when another suite is measuring this host, refuse (exit 3) instead of waiting for it to finish')
  .option('--allow-concurrent', 'measure beside other suites on this host instead of waiting; every report warns that they ran')
  .addHelpText(
    'after',
    '\nEach probe is a cell of one result document (its runs as `run` makes them). The search: the top of the range, a\n' +
      'scan, then bisection between the largest value that fails and the smallest that holds. A probe holds when every\n' +
      "SLO's one-sided bound at the confidence meets it, fails when one misses it; otherwise it gets more runs.\n\n" +
      'Exit codes: 0 an answer was found, 4 no value in the range meets every SLO (the reason names the SLO that fails\n' +
      'at the top), 2 bad input, 3 the machine cannot, 128+N on signals.',
  )
  .action(async (scenario: string | undefined, opts: FitOptions) => {
    const res = await fitCommand(scenario, opts);
    print(res.stdout);
    if (res.stderr) process.stderr.write(res.stderr);
    process.exitCode = res.exitCode;
  });

const repetitionOptions = (c: Command): Command =>
  c
    .option(
      '-r, --repetitions <n>',
      `measured repetitions per cell (default: the scenario's)`,
      integerIn('--repetitions', BOUNDS.repetitions),
    )
    .option('-w, --warmup <n>', `warm-up runs per cell (default: the scenario's)`, integerIn('--warmup', BOUNDS.warmup))
    .option(
      '--sample-interval <ms>',
      `stat-file sampling interval for every cell, ${SAMPLE_INTERVAL_RANGE} ms, or auto (default: the scenario's)`,
      sampleInterval,
    );

repetitionOptions(
  program
    .command('plan')
    .description('write the Kubernetes objects (a ConfigMap and Indexed Jobs) that run a scenario on a cluster; apply them with kubectl')
    .argument('[scenario]', `scenario file (YAML or JSON); default: --preset ${PLAN_PRESET}`)
    .requiredOption('--target <engine>', `where the runs go: ${PLAN_TARGETS.join(', ')}`)
    .requiredOption('--image <ref>', 'the cgbench workload image the nodes pull or have (see README, Kubernetes)')
    .option('-p, --preset <name>', 'plan a preset from workloads/ (see `cgbench list`)')
    .option('-o, --out <file>', 'manifest file, or - for stdout (default: stdout)')
    .option('--namespace <ns>', "namespace of the objects (default: kubectl's current one)")
    .option(
      '--parallelism <n>',
      'pods of one Job at once, at most one per node (default 1)',
      integerIn('--parallelism', { min: 1, max: 10_000 }),
    ),
).action(async (scenario: string | undefined, opts: PlanOptions) => {
  const res = await planCommand(scenario, opts);
  if (res.stdout) process.stdout.write(res.stdout);
  process.stderr.write(res.stderr);
});

repetitionOptions(
  program
    .command('collect')
    .description("turn the logs of a plan's pods into results.json and the reports, as cgbench run writes them")
    .argument('<logs...>', 'kubectl logs output (--prefix welcome), files of one pod each, or folders of them')
    .option('--plan <file>', 'the manifest cgbench plan wrote (it holds the plan)')
    .option('--scenario <file>', 'or: the scenario file it was planned from (with the same options)')
    .option('-p, --preset <name>', 'or: the preset it was planned from')
    .option('-o, --out <dir>', 'directory for results.json (default: reports/<time>-<scenario>)')
    .option(
      '--report <formats>',
      `reports to write next to results.json: ${REPORT_FORMATS.join(', ')}, or none (default: ${formats(DEFAULT_REPORT_FORMATS)})`,
    )
    .option('--json', 'print the result document on stdout instead of the tables')
    .option('--wide', 'tables with every column that means something for the workload')
    .option('--allow-failures', 'failed runs do not fail the command: exit 0, not 4'),
)
  .addHelpText('after', `\n${EXIT_CODES_HELP}`)
  .action(async (logs: string[], opts: CollectOptions) => {
    const res = await collectCommand(logs, opts);
    print(res.stdout);
    if (res.stderr) process.stderr.write(res.stderr);
    process.exitCode = res.exitCode;
  });

program
  .command('report')
  .description('re-render reports from a saved results.json')
  .argument('<results>', 'a results.json written by cgbench run')
  .option('-f, --format <list>', `${REPORT_FORMATS.join(', ')} (default: ${formats(DEFAULT_REPORT_FORMATS)})`)
  .option('-o, --out <dir>', 'output directory (default: the folder of results.json)')
  .option('--push <url>', 'send the figures to a Prometheus Pushgateway, e.g. http://HOST:9091 (without --format: only that)')
  .option('--push-job <name>', `the Pushgateway job (default: ${DEFAULT_PUSH_JOB}); the grouping key adds scenario and host`)
  .action(async (file: string, opts: ReportOptions) => {
    const res = await reportCommand(file, opts);
    print([...res.paths, ...(res.pushed ? [`pushed: ${res.pushed}`] : [])].join('\n'));
  });

program
  .command('merge')
  .description(
    "merge the results.json of one scenario from several hosts into one document with each host's context; " +
      'print its tables with a host column and write its reports',
  )
  .argument('<results...>', 'results.json files (merged ones too); FILE=NAME names its host (default: the hostname)')
  .option('-o, --out <dir>', 'directory for the merged results.json and reports (default: reports/<time>-<scenario>-merged)')
  .option(
    '--report <formats>',
    `reports to write next to results.json: ${REPORT_FORMATS.join(', ')}, or none (default: ${formats(DEFAULT_REPORT_FORMATS)})`,
  )
  .addHelpText(
    'after',
    '\nThe documents must come from one scenario (same workloads, parameters and limit sets; repetitions, runtimes\n' +
      'and other settings may differ) and from different hosts: two from one host need names of their own\n' +
      '(before.json=before after.json=after). A refusal is one line, exit 2, and nothing is written.',
  )
  .option('--wide', 'tables with every column (default: the key columns, at most 100 wide or $COLUMNS)')
  .action(async (files: string[], opts: { out?: string; report?: string; wide?: boolean }) => {
    print((await mergeCommand(files, opts)).stdout);
  });

const DB_HELP =
  'history database: a SQLite file or postgres://USER:PASSWORD@HOST:PORT/DB ' +
  `(default: $CGBENCH_HISTORY_DB, else ${DEFAULT_HISTORY_DB})`;
const MATCH_HELP =
  'host facts a stored night must share: kernel, cgroup, cpu, runtime (Docker version), host; or none ' +
  `(default: ${DEFAULT_HOST_MATCH.join(',')})`;

program
  .command('compare')
  .description(
    'compare two results.json (base, current), two hosts of a merged one (--hosts A,B), ' +
      'or one against the last N stored nights (--baseline history[:N]); ' +
      'exit 1 on a significant regression beyond the threshold',
  )
  .argument('<documents...>', "BASE.json CURRENT.json (e.g. yesterday's, tonight's), or one with --baseline or --hosts")
  .option('-t, --threshold <pct>', 'regressions smaller than this are tolerated', `${DEFAULT_THRESHOLD_PCT}%`)
  .option('-f, --format <fmt>', COMPARE_FORMATS.join(', '), DEFAULT_COMPARE_FORMAT)
  .option('--wide', 'table with every column (default: at most 100 wide or $COLUMNS)')
  .option('-b, --baseline <history[:N]>', `pool the last N stored nights of each cell (default N: ${DEFAULT_HISTORY_NIGHTS}) as the base`)
  .option('--db <url>', DB_HELP)
  .option('--match <facts>', MATCH_HELP)
  .option('--hosts <base,candidate>', 'compare two hosts of one merged document (cgbench merge): the first is the base')
  .option('--summary <file>', 'also append the Markdown summary to FILE (e.g. "$GITHUB_STEP_SUMMARY")')
  .option('--junit <file>', 'also write the gate as JUnit XML to FILE: a test case per cell and metric, a regression a failure')
  .addHelpText(
    'after',
    '\nCells match by workload, runtime, limit set and neighbour set. Gated metrics: wall time, slowdown, throttle ratio,\n' +
      'IO throughput, IOPS, peak memory, disk reads and refaults per pass (page-cache workloads); shown, never gated:\n' +
      `CPU granted, the own CPU share beside neighbours, PSI stall shares (v2).\n\n${EXIT_CODES_HELP}`,
  )
  .action(
    async (
      files: string[],
      opts: {
        threshold?: string;
        format?: string;
        wide?: boolean;
        baseline?: string;
        db?: string;
        match?: string;
        hosts?: string;
        summary?: string;
        junit?: string;
      },
    ) => {
      const res = await runCompare(files, opts);
      print(res.output);
      process.exitCode = res.exitCode;
    },
  );

const history = program
  .command('history')
  .description('result documents in a database (SQLite file or PostgreSQL): add, list, show, trend');

const filterOptions = (c: Command): Command =>
  c
    .option('--db <url>', DB_HELP)
    .option('--host <name>', 'only documents from this host')
    .option('--kernel <release>', 'only documents from this kernel (uname -r)')
    .option('--cgroup <mode>', 'only documents from this cgroup mode: v1, v2, hybrid')
    .option('--runtime <name>', `only documents with cells on this runtime: ${RUNTIME_NAMES.join(', ')}`)
    .option('--scenario <name>', 'only documents of this scenario')
    .option('--last <n>', 'only the most recent N documents (after the other filters)', positiveInt('--last'));

history
  .command('add')
  .description('store result documents (again: a no-op); all or nothing, a bad document is refused and nothing is written')
  .argument('<results...>', 'results.json files written by cgbench run')
  .option('--db <url>', DB_HELP)
  .action(async (files: string[], opts: { db?: string }) => {
    print((await historyAdd(files, opts)).output);
  });

filterOptions(history.command('list').description('the stored documents, oldest first'))
  .option('--json', 'print them as JSON')
  .action(async (opts: HistoryFilterOptions & { json?: boolean }) => {
    print((await historyList(opts)).output);
  });

history
  .command('show')
  .description("one stored document's tables, and the file its sample series stay in")
  .argument('<id>', 'its id from `history list` (4 or more leading hex digits)')
  .option('--db <url>', DB_HELP)
  .option('--json', 'print the stored document (all but the sample series) as JSON')
  .action(async (id: string, opts: { db?: string; json?: boolean }) => {
    print((await historyShow(id, opts)).output);
  });

filterOptions(
  history
    .command('trend')
    .description("report each cell's median night by night per host, with the expected value and the nights the gate flags"),
)
  .option('-o, --out <dir>', 'output directory (default: reports/trend)')
  .option('-f, --format <list>', `${TREND_FORMATS.join(', ')} (default: ${formats(DEFAULT_TREND_FORMATS)})`)
  .option('--window <n>', `earlier nights a change mark pools (default ${DEFAULT_HISTORY_NIGHTS})`, positiveInt('--window'))
  .option('-t, --threshold <pct>', 'changes smaller than this are not marked', `${DEFAULT_THRESHOLD_PCT}%`)
  .option('--match <facts>', MATCH_HELP)
  .action(async (opts: TrendOptions) => {
    print((await historyTrend(opts)).paths.join('\n'));
  });

program
  .command('doctor')
  .description('check root, cgroup mode and controllers, compiler, IO disk and Docker')
  .option('--scratch <dir>', 'scratch directory to check for IO throttling')
  .option('--docker-host <url>', 'Docker engine to check (default: $DOCKER_HOST)')
  .option('--json', 'print the checks as JSON')
  .action(async (opts: { scratch?: string; dockerHost?: string; json?: boolean }) => {
    const checks = await doctorChecks(opts.scratch, opts.dockerHost);
    print(opts.json ? JSON.stringify(checks, null, 2) : renderChecks(checks));
    process.exitCode = doctorExitCode(checks);
  });

program
  .command('list')
  .description('list the built-in workloads, the presets and the runtimes')
  .action(() => print(listText()));

program
  .command('clean')
  .description('remove cgroups and Docker containers left behind by an interrupted or crashed cgbench')
  .option('-n, --dry-run', 'only list what would be removed')
  .option('--docker-host <url>', 'Docker engine (or swarm manager: its cgbench services too) to clean (default: $DOCKER_HOST)')
  .option('--images', 'also remove the cgbench-workloads image (rebuilt on the next docker run)')
  .option('--force', 'also remove groups that still have processes (kills them)')
  .action(async (opts: { dryRun?: boolean; dockerHost?: string; images?: boolean; force?: boolean }) => {
    const dryRun = Boolean(opts.dryRun);
    const found = await cleanCommand(dryRun, { dockerHost: opts.dockerHost, images: Boolean(opts.images), force: Boolean(opts.force) });
    print(renderClean(found, dryRun));
  });

program
  .command('completion')
  .description('print a completion script for a shell (its first lines say how to load or install it)')
  .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
  .action((shell: Shell) => {
    print(renderCompletion(describeCommand(program), shell, { presets: presetNames(), version: toolVersion() }));
  });

program
  .command('man')
  .description('print the manual page (roff), made from the options --help shows: cgbench man | man -l -')
  .action(() => {
    print(renderManPage(describeCommand(program), { version: toolVersion(), name: program.description() }));
  });

// A usage error is one line naming the option and where the help is, never the whole help text.
// Help in colour only where the output is: the same rule as every other output (app/color.ts).
for (const cmd of commandTree(program)) {
  const where = cmd === program ? 'cgbench --help lists the commands' : `${commandPath(cmd)} --help lists the options`;
  cmd.configureOutput({
    outputError: (text, write) => write(`${text.trimEnd().replace(/^error: /, 'cgbench: ')} (${where})\n`),
    getOutHasColors: () => colorWanted(colorMode(), process.env, Boolean(process.stdout.isTTY)),
    getErrHasColors: () => colorWanted(colorMode(), process.env, Boolean(process.stderr.isTTY)),
  });
}

program
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    if (e instanceof CommanderError) {
      // Help and version are not errors; usage errors are bad input, like a bad scenario.
      process.exitCode = e.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    } else if (isCgbenchError(e)) {
      process.stderr.write(`cgbench: ${e.format()}\n`);
      process.exitCode = exitCodeFor(e);
    } else {
      process.stderr.write(`cgbench: unexpected error (a bug; please report it):\n${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = EXIT_BUG;
    }
  })
  // Exit explicitly: an abandoned request on a hung mount (see model/user-files.ts) must not keep the process alive.
  // But only once stdout has drained: a document bigger than a pipe's buffer reaches its reader whole.
  .finally(async () => {
    await drainStdio();
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
