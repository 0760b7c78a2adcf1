// Scenario validation: raw YAML/JSON -> a resolved Scenario. Pure. Every problem is reported with
// the file, the field path and the fix, all at once.

import { z } from 'zod';
import {
  ALONE_NAME,
  BASELINE_NAME,
  BOUNDS,
  DEFAULT_CPU_PERIOD_US,
  IO_THROTTLE_SLICE_MS,
  METRICS_ENV,
  METRICS_FORMATS,
  type MetricsFormat,
  RUN_ORDERS,
  SCENARIO_DEFAULTS,
  SERVICE_DEFAULTS,
  WORKLOAD_DEFAULTS,
} from '../model/defaults.js';
import { clientProblems } from '../model/client.js';
import { KNOWN_SERVER_NAMES } from '../model/defaults.js';
import { CgbenchError } from '../model/errors.js';
import { KNOB_IDS, KNOBS } from '../model/knobs.js';
import { isEmptyLimits, limitsLabel } from '../model/limits.js';
import type {
  ExpectedOutcome,
  KnownServer,
  LimitSet,
  Limits,
  NeighbourPlacement,
  NeighbourSet,
  NeighbourSpec,
  RuntimeName,
  Scenario,
  WorkloadParams,
  WorkloadSpec,
} from '../model/types.js';
import { formatDurationNs, parseBytes, parseDurationMs, parsePercent, parseRate } from '../model/units.js';

/** How a value was written, for a message: "64X", true, [1]. */
function shown(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : (JSON.stringify(v) ?? String(v));
}

/**
 * A value written as a number or a text ("512M", "2s", "10MB/s"), parsed by `parse` and checked by `ok`.
 * Any other type gets the same message as a bad text, so no field ever answers a bare "Invalid input".
 */
function written(
  parse: (v: string | number) => number | null,
  ok: (n: number) => boolean,
  message: (v: string, parsed: number | null) => string,
) {
  return z.unknown().transform((v, ctx) => {
    const n = typeof v === 'number' || typeof v === 'string' ? parse(v) : null;
    if (n === null || !ok(n)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: message(shown(v), n) });
      return z.NEVER;
    }
    return n;
  });
}

// The fields of a limit set are parsed here (sizes, rates, the short forms); what values each knob may
// take is the knob table's to say (model/knobs.ts check), after the limit set is built.

const MIB = 1 << 20;
const size = (what: string) =>
  written(
    parseBytes,
    () => true,
    (v) => `${v} is not a ${what}; write e.g. 512M, 1GiB or 100MB`,
  );
const memorySize = size('memory size');

const rate = written(
  parseRate,
  () => true,
  (v) => `${v} is not a positive rate; write e.g. 10MB/s (decimal) or 10MiB/s`,
);

const duration = (minMs: number, maxMs: number) =>
  written(
    parseDurationMs,
    (n) => n >= minMs && n <= maxMs,
    (v) => `${v} is not a duration between ${minMs} ms and ${maxMs / 1000} s; write e.g. 100ms or 2s`,
  );

/** `auto` (each cell's interval chosen for it) or one duration for every cell. */
const sampleIntervalField = z.unknown().transform((v, ctx): number | 'auto' => {
  if (v === 'auto') return 'auto';
  const { min, max } = BOUNDS.sampleIntervalMs;
  const n = typeof v === 'number' || typeof v === 'string' ? parseDurationMs(v) : null;
  if (n === null || n < min || n > max) {
    const message = `${shown(v)} is not a duration between ${min} ms and ${max / 1000} s, nor auto; write e.g. 100ms, 2ms or auto`;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message });
    return z.NEVER;
  }
  return n;
});

const name = z
  .string()
  .min(1)
  .max(100)
  .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20), 'must not contain control characters');

const B0 = BOUNDS;

/** A quota in us, or max / -1 for none (null). */
const quota = z.unknown().transform((v, ctx): number | null => {
  if (v === 'max' || v === -1) return null;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${shown(v)}: not a quota; write microseconds per period (e.g. 50000) or max` });
  return z.NEVER;
});

/** CPUs as a number of them: the short form `cpus` and `cpu.cpus` are held to one rule. */
const cpuCount = z.number({ invalid_type_error: 'write a number of CPUs such as 0.5' }).positive().max(1024);

const cpuSchema = z
  .object(
    {
      quota: quota.optional(),
      period: z.number({ invalid_type_error: 'write the period in microseconds, e.g. 100000' }).default(DEFAULT_CPU_PERIOD_US),
      burst: z.number({ invalid_type_error: 'write the burst in microseconds, e.g. 20000' }).optional(),
      cpus: cpuCount.optional(),
    },
    { invalid_type_error: 'write { quota, period } in microseconds, or the short form cpus: 0.5' },
  )
  .strict();

const memorySchema = z
  .object(
    {
      max: memorySize.optional(),
      swap: size('swap size').optional(),
      high: memorySize.optional(),
    },
    { invalid_type_error: 'write a size such as 64M, or { max, swap, high }' },
  )
  .strict();

/** The short form `memory: 64M` is `memory: { max: 64M }`, validated by the same rules. */
const memoryField = z.preprocess((v) => (typeof v === 'string' || typeof v === 'number' ? { max: v } : v), memorySchema);

const EXPECTABLE = ['ok', 'oom-killed', 'failed', 'timeout'] as const;
/** `expect: oom-killed` or a list of outcomes. */
const expectField = z.preprocess(
  (v) => (typeof v === 'string' ? [v] : v),
  z
    .array(
      z.enum(EXPECTABLE, { errorMap: (_i, ctx) => ({ message: `${shown(ctx.data)} is not an outcome; write ${EXPECTABLE.join(', ')}` }) }),
      {
        invalid_type_error: `write an outcome (${EXPECTABLE.join(', ')}) or a list of them`,
      },
    )
    .min(1),
);

const iops = z.number({ invalid_type_error: 'write IO operations per second as a number, e.g. 100' }).int();
const ioSchema = z
  .object(
    {
      device: z.string().default('scratch'),
      rbps: rate.optional(),
      wbps: rate.optional(),
      riops: iops.optional(),
      wiops: iops.optional(),
    },
    { invalid_type_error: 'write { device, rbps, wbps, riops, wiops }, e.g. { wbps: 10MB/s }' },
  )
  .strict();

const limitSetSchema = z
  .object(
    {
      name: name.optional(),
      cpu: cpuSchema.optional(),
      cpus: cpuCount.optional(),
      memory: memoryField.optional(),
      io: z.array(ioSchema, { invalid_type_error: 'write a list of throttles, e.g. [{ wbps: 10MB/s }]' }).optional(),
      pids: z.number({ invalid_type_error: 'write a number of tasks, e.g. 64' }).optional(),
      weight: z
        .number({
          invalid_type_error: `write a CPU weight as a number, ${B0.cpuWeight.min}..${B0.cpuWeight.max} (v2 cpu.weight, default 100)`,
        })
        .optional(),
      ioWeight: z
        .number({ invalid_type_error: `write an IO weight as a number, ${B0.ioWeight.min}..${B0.ioWeight.max} (BFQ's scale)` })
        .optional(),
      cpuset: z.string({ invalid_type_error: 'write CPUs as text, like "0" or "0-1,3"' }).optional(),
      expect: expectField.optional(),
    },
    { invalid_type_error: 'write a limit set as { name, cpus, cpu, weight, memory, io, ioWeight, pids, cpuset, expect }' },
  )
  .strict();

const W = WORKLOAD_DEFAULTS;
const S = SERVICE_DEFAULTS;
const paramsByKind = {
  cpu: z
    .object({
      iterations: z.number().int().positive().default(W.cpu.iterations),
      threads: z.number().int().min(1).max(1024).default(W.cpu.threads),
    })
    .strict(),
  memory: z
    .object({
      mode: z.enum(['anon', 'pagecache']).default(W.memory.mode),
      mib: z
        .number()
        .int()
        .min(1)
        .max(1 << 20)
        .default(W.memory.mib),
      passes: z.number().int().min(1).max(1000).default(W.memory.passes),
      access: z.enum(['mmap', 'read']).default(W.memory.access),
    })
    .strict(),
  io: z
    .object({
      mode: z.enum(['write', 'read']).default(W.io.mode),
      mib: z
        .number()
        .int()
        .min(1)
        .max(1 << 20)
        .default(W.io.mib),
      blockKib: z
        .number()
        .int()
        .min(4)
        .max(65536)
        .refine((n) => n % 4 === 0, 'blockKib must be a multiple of 4 (O_DIRECT alignment)')
        .default(W.io.blockKib),
    })
    .strict(),
  latency: z
    .object({
      threads: z.number().int().min(1).max(256).default(W.latency.threads),
      durationMs: z.number().int().min(10).max(3_600_000).default(W.latency.durationMs),
      workUs: z.number().int().min(1).default(W.latency.workUs),
      intervalUs: z.number().int().min(10).default(W.latency.intervalUs),
    })
    .strict(),
  command: z.object({}).strict(),
  service: z
    .object({
      port: z.number().int().min(0).max(65535).optional(),
      headers: z
        .array(z.string().regex(/^[!-9;-~]+: ?[^\r\n]*$/, 'a header is "Name: value" on one line'))
        .max(64)
        .optional(),
      readyPath: z.string().startsWith('/').optional(),
      readyTimeoutMs: z.number().int().min(100).max(600_000).default(S.readyTimeoutMs),
      protocol: z.enum(['http', 'tcp']).default(S.protocol),
      path: z.string().startsWith('/').default(S.path),
      mode: z.enum(['open', 'closed']).default(S.mode),
      rate: z.union([z.number().positive().max(1e7), z.array(z.number().positive().max(1e7)).min(1).max(64)]).optional(),
      connections: z.number().int().min(1).max(10_000).default(S.connections),
      durationMs: z.number().int().min(100).max(3_600_000).default(S.durationMs),
      warmupMs: z.number().int().min(0).max(600_000).default(S.warmupMs),
      loadCpus: z
        .string()
        .regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'loadCpus is a cpuset list such as "1" or "2-3"')
        .optional(),
    })
    .strict(),
} as const;

/** Cluster runtimes: a node's hostname and/or a node label ("key" or "key=value"); absent: any node. */
const placementSchema = z
  .object({ node: z.string().min(1).optional(), label: z.string().min(1).optional() })
  .strict()
  .refine((p) => p.node !== undefined || p.label !== undefined, { message: 'give node (a hostname) or label (key or key=value)' });

const KINDS = ['cpu', 'memory', 'io', 'latency', 'command', 'service'] as const;

/** One neighbour: any workload kind, with its own limits and where it runs (own group, or the measured one's). */
const neighbourSchema = z
  .object(
    {
      name: name.optional(),
      kind: z.enum(KINDS),
      params: z.record(z.unknown()).default({}),
      command: z.array(z.string().min(1)).min(1).optional(),
      limits: limitSetSchema.optional(),
      placement: z
        .enum(['own', 'same'], {
          errorMap: () => ({
            message: "placement is own (its own group or container, the default) or same (the measured workload's group)",
          }),
        })
        .default('own'),
    },
    { invalid_type_error: 'write a neighbour as { kind, params, limits, placement }' },
  )
  .strict();

const neighbourSetSchema = z
  .object(
    {
      name,
      run: z.array(neighbourSchema, { invalid_type_error: 'write the neighbours as a list, e.g. [{ kind: cpu }]' }).default([]),
      parent: limitSetSchema.optional(),
    },
    { invalid_type_error: 'write a neighbour set as { name, run: [neighbours], parent: limits }' },
  )
  .strict();

const neighbourSetsSchema = z
  .array(neighbourSetSchema, { invalid_type_error: 'write neighbour sets as a list, e.g. [{ name: alone }]' })
  .min(1);

const workloadSchema = z
  .object({
    name,
    kind: z.enum(KINDS),
    params: z.record(z.unknown()).default({}),
    command: z.array(z.string().min(1)).min(1).optional(),
    client: z.array(z.string().min(1)).min(1).optional(),
    image: z
      .string()
      .regex(/^[^\s-][^\s]*$/, 'image is a container image reference such as my-server:1.0 (no spaces, no leading -)')
      .optional(),
    server: z
      .enum(KNOWN_SERVER_NAMES as [KnownServer, ...KnownServer[]], {
        errorMap: () => ({ message: `server is a server cgbench configures itself: ${KNOWN_SERVER_NAMES.join(', ')}` }),
      })
      .optional(),
    metrics: z
      .enum(METRICS_FORMATS, {
        errorMap: () => ({
          message:
            `metrics is auto (the ${METRICS_ENV} file's figures, if any), protocol (it must report some) ` +
            `or fio (fio's JSON on stdout)`,
        }),
      })
      .optional(),
    warmup: z.number().int().min(BOUNDS.warmup.min).max(BOUNDS.warmup.max).optional(),
    placement: placementSchema.optional(),
    limits: z.array(limitSetSchema).min(1).optional(),
    neighbours: neighbourSetsSchema.optional(),
  })
  .strict();

/** "2%" or 0.02 (a bare number is a ratio) -> 0.02. */
const relativeTarget = written(
  (v) => {
    const pct = parsePercent(v, true);
    return pct === null ? null : typeof v === 'number' ? v : pct / 100;
  },
  (n) => n > B.targetRel.min && n < B.targetRel.max,
  (v) => `${v} is not a relative interval half-width; write e.g. 2% or 0.02`,
);

const D = SCENARIO_DEFAULTS;
const B = BOUNDS;
const scenarioSchema = z
  .object({
    name: name.default(D.name),
    description: z.string().optional(),
    repetitions: z.number().int().min(B.repetitions.min).max(B.repetitions.max).default(D.repetitions),
    warmup: z.number().int().min(B.warmup.min).max(B.warmup.max).default(D.warmup),
    timeout: duration(B.timeoutMs.min, B.timeoutMs.max).default(D.timeout),
    sampleInterval: sampleIntervalField.default(D.sampleInterval),
    scratchDir: z.string().optional(),
    placement: placementSchema.optional(),
    order: z
      .enum(RUN_ORDERS, {
        errorMap: () => ({
          message:
            "order is interleaved (each workload's cells in shuffled blocks, the default) " +
            "or sequential (each cell's runs back to back)",
        }),
      })
      .default(D.order),
    adaptive: z
      .object({
        target: relativeTarget,
        maxRepetitions: z.number().int().min(B.maxRepetitions.min).max(B.maxRepetitions.max).default(D.adaptiveMaxRepetitions),
        budget: duration(B.timeoutMs.min, B.timeoutMs.max).optional(),
      })
      .strict()
      .optional(),
    // Names only: which runtimes exist is the runtime registry's to say (app/overrides.ts checks them).
    runtimes: z
      .array(z.string().min(1))
      .min(1)
      .default([...D.runtimes]),
    limits: z.array(limitSetSchema).min(1).optional(),
    neighbours: neighbourSetsSchema.optional(),
    workloads: z.array(workloadSchema).min(1),
  })
  .strict();

type RawLimitSet = z.infer<typeof limitSetSchema>;
type RawNeighbourSet = z.infer<typeof neighbourSetSchema>;

const HINTS: Partial<Record<z.ZodIssueCode, string>> = {
  unrecognized_keys: 'remove it or check its spelling',
  invalid_type: 'fix the value type',
  invalid_enum_value: 'use one of the listed values',
  too_small: 'raise the value',
  too_big: 'lower the value',
};

function fieldPath(path: (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(top level)';
}

function fail(source: string, problems: string[]): never {
  const head = problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`;
  throw new CgbenchError('E_SCENARIO', `invalid scenario ${source}: ${head}`);
}

function zodProblems(error: z.ZodError, prefix: (string | number)[] = []): string[] {
  return error.issues.map((i) => {
    // A message of our own already says what to write; zod's defaults ("Expected object, received
    // string") get the generic fix.
    const typeOrChoice = i.code === z.ZodIssueCode.invalid_type || i.code === z.ZodIssueCode.invalid_enum_value;
    const own = i.code === z.ZodIssueCode.custom || (typeOrChoice && !/^(Expected|Required|Invalid enum value)/.test(i.message));
    const hint = own ? '' : HINTS[i.code] ? ` (${HINTS[i.code]})` : '';
    return `${fieldPath([...prefix, ...i.path])}: ${i.message}${hint}`;
  });
}

function toLimits(raw: RawLimitSet, at: string, problems: string[]): Limits {
  const limits: Limits = {};
  if (raw.cpu && raw.cpus !== undefined)
    problems.push(`${at}: give either cpus or cpu, not both (cpus: 0.5 equals cpu: {quota: 50000, period: 100000})`);
  if (raw.cpu?.cpus !== undefined && raw.cpu.quota !== undefined)
    problems.push(`${at}.cpu: give either cpus or quota, not both (cpus: 0.5 at period 100000 is quota 50000)`);
  const cpus = raw.cpus ?? raw.cpu?.cpus;
  if (cpus !== undefined) {
    const periodUs = raw.cpu?.period ?? DEFAULT_CPU_PERIOD_US;
    limits.cpu = { quotaUs: Math.round(cpus * periodUs), periodUs };
  } else if (raw.cpu) {
    limits.cpu = { quotaUs: raw.cpu.quota ?? null, periodUs: raw.cpu.period };
  }
  if (limits.cpu && raw.cpu?.burst !== undefined) limits.cpu.burstUs = raw.cpu.burst;
  if (raw.memory) {
    const m = raw.memory;
    limits.memory = { maxBytes: m.max ?? null };
    if (m.swap !== undefined) limits.memory.swapBytes = m.swap;
    if (m.high !== undefined) limits.memory.highBytes = m.high;
    if (m.max === undefined && m.high === undefined) problems.push(`${at}.memory: limits nothing (give max or high, e.g. memory: 64M)`);
  }
  if (raw.io) limits.io = raw.io.map((o) => ({ ...o }));
  if (raw.pids !== undefined) limits.pids = raw.pids;
  if (raw.cpuset !== undefined) limits.cpuset = raw.cpuset;
  if (raw.weight !== undefined) limits.cpuWeight = raw.weight;
  if (raw.ioWeight !== undefined) limits.ioWeight = raw.ioWeight;
  // What values each knob may take, and how knobs bound each other (a burst within its quota).
  for (const id of KNOB_IDS) problems.push(...KNOBS[id].check(limits).map((p) => `${at}.${p}`));
  return limits;
}

/** What a workload names beside its params: a command's argv, how its figures are read, a known server, a
 *  service's client command. */
interface ParamsSource {
  command?: string[] | undefined;
  client?: string[] | undefined;
  metrics?: MetricsFormat | undefined;
  server?: KnownServer | undefined;
  image?: string | undefined;
}

function toParams(
  kind: WorkloadSpec['params']['kind'],
  raw: Record<string, unknown>,
  { command, metrics, server, client, image }: ParamsSource,
  at: string,
  problems: string[],
): WorkloadParams | null {
  if (server && kind !== 'service') problems.push(`${at}.server: only a service runs a known server (kind: service)`);
  if (client && kind !== 'service') problems.push(`${at}.client: only a service is driven by a client (kind: service)`);
  if (image && kind !== 'service') problems.push(`${at}.image: only a service runs a container image's entrypoint (kind: service)`);
  if (kind === 'command') {
    if (!command) {
      problems.push(`${at}.command: a command workload needs command: [program, arg, ...] (an argument array, never a shell string)`);
      return null;
    }
    if (Object.keys(raw).length) problems.push(`${at}.params: a command workload takes no params (put arguments in command)`);
    return metrics && metrics !== 'auto' ? { kind: 'command', argv: command, metrics } : { kind: 'command', argv: command };
  }
  if (kind === 'service') {
    if (!command && !server && !image)
      problems.push(
        `${at}.command: a service needs command: [server, arg, ...] (in the foreground), server: ${KNOWN_SERVER_NAMES.join('|')}, ` +
          'or image: (a container image whose entrypoint is the server, on docker or podman)',
      );
    if (image && server) problems.push(`${at}.server: give image or server, not both (server: cgbench configures a program of this host)`);
    if (command && server) problems.push(`${at}.server: give command or server, not both (server: cgbench writes its configuration)`);
    if (metrics) problems.push(`${at}.metrics: a service's figures come from the load generator`);
    const parsed = paramsByKind.service.safeParse(raw);
    if (!parsed.success) problems.push(...zodProblems(parsed.error).map((p) => `${at}.params.${p}`));
    if ((!command && !server && !image) || !parsed.success) return null;
    const { rate, port, ...rest } = parsed.data;
    // A known server listens where cgbench's configuration says: a free port per run unless one is given.
    if (port === undefined && !server)
      problems.push(`${at}.params.port: a service needs port: the TCP port it listens on (at $CGBENCH_SERVICE_HOST)`);
    if (port === 0 && !server)
      problems.push(`${at}.params.port: 0 (a free port per run) is for a known server; give the port your command listens on`);
    const rates = rate === undefined ? [...SERVICE_DEFAULTS.rates] : typeof rate === 'number' ? [rate] : rate;
    if (rest.mode === 'closed' && rate !== undefined)
      problems.push(`${at}.params.rate: a closed loop has no rate (drop it, or mode: open)`);
    if (client) {
      // The client runs once for durationMs: no warm-up of the generator's, no steps.
      if (raw.warmupMs !== undefined) problems.push(`${at}.params.warmupMs: a client runs once, unmeasured warm-up is its own to do`);
      if (rates.length > 1) problems.push(`${at}.params.rate: a client runs once, not in steps (give one rate)`);
      problems.push(...clientProblems(client, { ...rest, rates }).map((p) => `${at}.client: ${p}`));
    }
    // A known server's argv names its program; runtimes/service.ts finds it and adds the arguments.
    // An image's command replaces its CMD, as `docker run IMAGE COMMAND` does; none: the image's own.
    const argv = server ? [server] : (command ?? []);
    return {
      kind: 'service',
      argv,
      ...(server ? { server } : {}),
      ...(image ? { image } : {}),
      port: port ?? 0,
      ...rest,
      ...(client ? { warmupMs: 0, client } : {}),
      ...(server && rest.readyPath === undefined ? { readyPath: '/' } : {}),
      ...(rest.mode === 'open' ? { rates } : {}),
    };
  }
  if (command) problems.push(`${at}.command: only kind "command" takes a command (use params for built-in workloads)`);
  if (metrics) problems.push(`${at}.metrics: only kind "command" reports its own metrics (built-in workloads report theirs)`);
  const parsed = paramsByKind[kind].safeParse(raw);
  if (!parsed.success) {
    problems.push(...zodProblems(parsed.error).map((p) => `${at}.params.${p}`));
    return null;
  }
  return { kind, ...parsed.data } as WorkloadParams;
}

/** Validate raw scenario data (already parsed from YAML/JSON). `source` names the file in messages. */
export function validateScenario(raw: unknown, source: string): Scenario {
  if (raw === null || raw === undefined) fail(source, ['the file is empty (write at least workloads: [{ name, kind }])']);
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) fail(source, zodProblems(parsed.error));
  const s = parsed.data;
  const problems: string[] = [];
  const seen = new Set<string>();
  const workloads: WorkloadSpec[] = [];
  s.workloads.forEach((w, wi) => {
    const at = `workloads[${wi}]`;
    if (seen.has(w.name)) problems.push(`${at}.name: "${w.name}" is used twice (workload names must be unique)`);
    seen.add(w.name);
    const source = { command: w.command, metrics: w.metrics, server: w.server, client: w.client, image: w.image };
    const params = toParams(w.kind, w.params, source, at, problems);
    const rawSets = w.limits ?? s.limits ?? [{}];
    const from = w.limits ? `${at}.limits` : 'limits';
    if (params?.kind === 'latency' && params.durationMs >= s.timeout) {
      const runs = formatDurationNs(params.durationMs * 1e6);
      problems.push(
        `${at}.params.durationMs: every run lasts ${runs}, beyond the ${formatDurationNs(s.timeout * 1e6)} time-out (raise timeout)`,
      );
    }
    if (params?.kind === 'service') {
      // Each step of the schedule lasts durationMs; the server may take readyTimeoutMs to be ready.
      const steps = params.mode === 'open' ? (params.rates?.length ?? 1) : 1;
      const longest = params.readyTimeoutMs + params.warmupMs + steps * params.durationMs;
      if (longest >= s.timeout)
        problems.push(
          `${at}.params: a run may last ${formatDurationNs(longest * 1e6)} (ready, warm-up and load), beyond the ` +
            `${formatDurationNs(s.timeout * 1e6)} time-out (raise timeout or shorten durationMs)`,
        );
    }
    const sets: LimitSet[] = rawSets.map((ls, li) => {
      const limits = toLimits(ls, `${from}[${li}]`, problems);
      const set: LimitSet = { name: ls.name ?? limitsLabel(limits), limits };
      if (ls.expect) set.expect = [...new Set(ls.expect)];
      if (params) problems.push(...foreseeableFailures(params, set, s.timeout).map((p) => `${from}[${li}]${p}`));
      return set;
    });
    const names = new Set<string>();
    sets.forEach((ls, li) => {
      if (names.has(ls.name))
        problems.push(`${from}[${li}].name: "${ls.name}" is used twice in ${w.name} (give each limit set its own name)`);
      names.add(ls.name);
    });
    // The baseline (no limits) comes first: it is what every other cell is compared with.
    const baseIdx = sets.findIndex((ls) => isEmptyLimits(ls.limits));
    if (baseIdx === -1) sets.unshift({ name: names.has(BASELINE_NAME) ? 'baseline' : BASELINE_NAME, limits: {} });
    else if (baseIdx > 0) sets.unshift(...sets.splice(baseIdx, 1));
    const rawNeighbours = w.neighbours ?? s.neighbours;
    const neighbourSets = rawNeighbours
      ? toNeighbourSets(rawNeighbours, w.neighbours ? `${at}.neighbours` : 'neighbours', s.timeout, problems)
      : undefined;
    if (params) {
      const spec: WorkloadSpec = { name: w.name, params, limitSets: sets };
      if (neighbourSets) spec.neighbourSets = neighbourSets;
      if (w.warmup !== undefined) spec.warmup = w.warmup;
      if (w.placement) spec.placement = { ...w.placement };
      workloads.push(spec);
    }
  });
  if (problems.length) fail(source, problems);
  const scenario: Scenario = {
    name: s.name,
    source,
    workloads,
    runtimes: [...new Set<RuntimeName>(s.runtimes)],
    repetitions: s.repetitions,
    warmup: s.warmup,
    timeoutMs: s.timeout,
    // auto: a CPU quota's cells sample finer, chosen per cell before its first run; the others at the coarse one.
    sampleIntervalMs: s.sampleInterval === 'auto' ? D.coarseSampleIntervalMs : s.sampleInterval,
    sampling: s.sampleInterval === 'auto' ? 'per-cell' : 'fixed',
    order: s.order,
  };
  if (s.description !== undefined) scenario.description = s.description;
  if (s.scratchDir !== undefined) scenario.scratchDir = s.scratchDir;
  if (s.placement) scenario.placement = { ...s.placement };
  if (s.adaptive) {
    if (s.adaptive.maxRepetitions < s.repetitions)
      fail(source, [`adaptive.maxRepetitions: ${s.adaptive.maxRepetitions} is below repetitions (${s.repetitions}) (raise it)`]);
    scenario.adaptive = { targetRel: s.adaptive.target, maxRepetitions: s.adaptive.maxRepetitions };
    if (s.adaptive.budget !== undefined) scenario.adaptive.budgetMs = s.adaptive.budget;
  }
  return scenario;
}

/** A neighbour's label in tables when it has no name: its kind, threads and limits ("cpu x2 at 0.50 CPU"). */
function neighbourLabel(params: WorkloadParams, limits: Limits, placement: NeighbourPlacement): string {
  const threads = params.kind === 'cpu' || params.kind === 'latency' ? ` x${params.threads}` : '';
  const what =
    params.kind === 'command'
      ? (params.argv[0] ?? 'command')
      : params.kind === 'memory' || params.kind === 'io'
        ? `${params.kind} ${params.mode}`
        : params.kind;
  const limited = isEmptyLimits(limits) ? '' : ` at ${limitsLabel(limits)}`;
  return `${what}${threads}${limited}${placement === 'same' ? ' in the same group' : ''}`;
}

/**
 * Neighbour sets, "alone" (no neighbours, no parent) first: added when the scenario does not name it,
 * since every neighbour cell is taken apart against its workload alone.
 */
function toNeighbourSets(raw: RawNeighbourSet[], from: string, timeoutMs: number, problems: string[]): NeighbourSet[] {
  const sets: NeighbourSet[] = [];
  const names = new Set<string>();
  raw.forEach((rs, si) => {
    const at = `${from}[${si}]`;
    if (names.has(rs.name)) problems.push(`${at}.name: "${rs.name}" is used twice (give each neighbour set its own name)`);
    names.add(rs.name);
    const neighbours: NeighbourSpec[] = [];
    rs.run.forEach((rn, ni) => {
      const nat = `${at}.run[${ni}]`;
      if (rn.kind === 'service') problems.push(`${nat}.kind: a neighbour cannot be a service (nothing drives its load)`);
      const params = rn.kind === 'service' ? null : toParams(rn.kind, rn.params, { command: rn.command }, nat, problems);
      const limits = rn.limits ? toLimits(rn.limits, `${nat}.limits`, problems) : {};
      if (rn.limits?.name !== undefined || rn.limits?.expect !== undefined)
        problems.push(`${nat}.limits: a neighbour's limits take no name or expect (name the neighbour itself)`);
      if (rn.placement === 'same' && !isEmptyLimits(limits))
        problems.push(
          `${nat}.limits: a neighbour placed in the same group shares the measured workload's limits (drop them or use placement: own)`,
        );
      if (params?.kind === 'latency' && params.durationMs >= timeoutMs)
        problems.push(`${nat}.params.durationMs: one run of this neighbour outlasts the time-out (shorten it; it is restarted anyway)`);
      if (params)
        neighbours.push({ label: rn.name ?? neighbourLabel(params, limits, rn.placement), params, limits, placement: rn.placement });
    });
    const labels = new Set<string>();
    neighbours.forEach((n, ni) => {
      if (labels.has(n.label)) problems.push(`${at}.run[${ni}].name: two neighbours are both "${n.label}" (name them apart)`);
      labels.add(n.label);
    });
    const set: NeighbourSet = { name: rs.name, neighbours };
    if (rs.parent) {
      set.parent = toLimits(rs.parent, `${at}.parent`, problems);
      if (rs.parent.name !== undefined || rs.parent.expect !== undefined)
        problems.push(`${at}.parent: a parent's limits take no name or expect`);
      if (isEmptyLimits(set.parent)) problems.push(`${at}.parent: limits nothing (give it e.g. memory: 256M, or drop parent)`);
    }
    sets.push(set);
  });
  const alone = sets.filter((set) => set.neighbours.length === 0 && set.parent === undefined);
  if (alone.length > 1)
    problems.push(`${from}: ${alone.map((a) => `"${a.name}"`).join(' and ')} are both alone (no run, no parent); keep one`);
  if (alone.length === 0) sets.unshift({ name: names.has(ALONE_NAME) ? 'alone (added)' : ALONE_NAME, neighbours: [] });
  else sets.unshift(...sets.splice(sets.indexOf(alone[0] as NeighbourSet), 1));
  return sets;
}

/**
 * Limits whose runs cannot succeed, known before the first run: a throttle too slow to finish within
 * the time-out, a pids limit below the workload's own threads. A limit set that expects the outcome
 * (`expect: timeout`, `expect: failed`) is measuring it on purpose and passes. Returns "field: problem".
 */
function foreseeableFailures(params: WorkloadParams, set: LimitSet, timeoutMs: number): string[] {
  const out: string[] = [];
  const expects = (o: ExpectedOutcome): boolean => set.expect?.includes(o) ?? false;
  if (params.kind === 'io' && !expects('timeout')) {
    const bytes = params.mib * MIB;
    (set.limits.io ?? []).forEach((io, i) => {
      const bps = params.mode === 'write' ? io.wbps : io.rbps;
      const ops = params.mode === 'write' ? io.wiops : io.riops;
      const field = bps !== undefined ? (params.mode === 'write' ? 'wbps' : 'rbps') : params.mode === 'write' ? 'wiops' : 'riops';
      // Even with the throttle's initial allowance (one slice at the full rate), this is the least it takes.
      const slice = IO_THROTTLE_SLICE_MS.rotational;
      const needMs = Math.max(
        bps !== undefined ? (bytes / bps) * 1000 - slice : 0,
        ops !== undefined ? (bytes / (params.blockKib * 1024) / ops) * 1000 - slice : 0,
      );
      if (needMs > timeoutMs) {
        const need = formatDurationNs(needMs * 1e6);
        out.push(
          `.io[${i}].${field}: the ${params.mode} of ${params.mib} MiB needs at least ${need} at this rate, beyond the ` +
            `${formatDurationNs(timeoutMs * 1e6)} time-out (raise the rate or timeout, or expect: timeout)`,
        );
      }
    });
  }
  const threads = params.kind === 'cpu' || params.kind === 'latency' ? params.threads : null;
  if (threads !== null && set.limits.pids !== undefined && set.limits.pids <= threads && !expects('failed')) {
    out.push(
      `.pids: ${set.limits.pids} task(s) leave no room for the workload's ${threads} thread(s) and its main thread ` +
        `(raise pids above ${threads}, or expect: failed to measure the failure)`,
    );
  }
  return out;
}
