// Scenario validation: raw YAML/JSON -> a resolved Scenario. Pure. Every problem is reported with
// the file, the field path and the fix, all at once.

import { z } from 'zod';
import { BASELINE_NAME, BOUNDS, DEFAULT_CPU_PERIOD_US, RUNTIME_NAMES, SCENARIO_DEFAULTS, WORKLOAD_DEFAULTS } from '../model/defaults.js';
import { CgbenchError } from '../model/errors.js';
import { isEmptyLimits, limitsLabel } from '../model/limits.js';
import type { LimitSet, Limits, RuntimeName, Scenario, WorkloadParams, WorkloadSpec } from '../model/types.js';
import { parseBytes, parseDurationMs, parsePercent, parseRate } from '../model/units.js';

const size = (what: string) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    const n = parseBytes(v);
    if (n === null) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${v}" is not a ${what}; write e.g. 512M, 1GiB or 100MB` });
      return z.NEVER;
    }
    return n;
  });

const rate = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = parseRate(v);
  if (n === null || n <= 0) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${v}" is not a positive rate; write e.g. 10MB/s (decimal) or 10MiB/s` });
    return z.NEVER;
  }
  return n;
});

const duration = (minMs: number, maxMs: number) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    const n = parseDurationMs(v);
    if (n === null || n < minMs || n > maxMs) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `"${v}" is not a duration between ${minMs} ms and ${maxMs / 1000} s; write e.g. 100ms or 2s`,
      });
      return z.NEVER;
    }
    return n;
  });

const name = z
  .string()
  .min(1)
  .max(100)
  .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20), 'must not contain control characters');

const { cpuPeriodUs: PERIOD, cpuQuotaMinUs: QUOTA_MIN } = BOUNDS;
const periodRange = `period must be ${PERIOD.min}..${PERIOD.max} us`;

const cpuSchema = z
  .object({
    quota: z
      .union([
        z.number().int().min(QUOTA_MIN, `the kernel accepts quotas of ${QUOTA_MIN} us (1 ms) and more`),
        z.literal('max'),
        z.literal(-1),
      ])
      .optional(),
    period: z.number().int().min(PERIOD.min, periodRange).max(PERIOD.max, periodRange).default(DEFAULT_CPU_PERIOD_US),
    burst: z.number().int().min(0).optional(),
    cpus: z.number().positive().max(1024).optional(),
  })
  .strict();

const memorySchema = z
  .object({
    max: size('memory size')
      .refine((n) => n >= 1 << 20, 'a memory limit below 1 MiB cannot run any workload')
      .optional(),
    swap: size('swap size').optional(),
    high: size('memory size').optional(),
  })
  .strict();

const ioSchema = z
  .object({
    device: z.string().default('scratch'),
    rbps: rate.optional(),
    wbps: rate.optional(),
    riops: z.number().int().positive().optional(),
    wiops: z.number().int().positive().optional(),
  })
  .strict()
  .refine(
    (o) => o.rbps !== undefined || o.wbps !== undefined || o.riops !== undefined || o.wiops !== undefined,
    'an io limit needs at least one of rbps, wbps, riops, wiops',
  );

const limitSetSchema = z
  .object({
    name: name.optional(),
    cpu: cpuSchema.optional(),
    cpus: z.number().positive().max(1024).optional(),
    memory: z
      .union([
        memorySchema,
        z
          .union([z.number(), z.string()])
          .pipe(size('memory size'))
          .transform((max) => ({ max, swap: undefined, high: undefined })),
      ])
      .optional(),
    io: z.array(ioSchema).optional(),
    pids: z.number().int().min(1).optional(),
    cpuset: z
      .string()
      .regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'write CPUs like "0" or "0-1,3"')
      .optional(),
  })
  .strict();

const W = WORKLOAD_DEFAULTS;
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
} as const;

const workloadSchema = z
  .object({
    name,
    kind: z.enum(['cpu', 'memory', 'io', 'latency', 'command']),
    params: z.record(z.unknown()).default({}),
    command: z.array(z.string().min(1)).min(1).optional(),
    limits: z.array(limitSetSchema).min(1).optional(),
  })
  .strict();

/** "2%" or 0.02 (a bare number is a ratio) -> 0.02. */
const relativeTarget = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const pct = parsePercent(v, true);
  const n = pct === null ? Number.NaN : typeof v === 'number' ? v : pct / 100;
  if (!Number.isFinite(n) || n <= B.targetRel.min || n >= B.targetRel.max) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${v}" is not a relative interval half-width; write e.g. 2% or 0.02` });
    return z.NEVER;
  }
  return n;
});

const D = SCENARIO_DEFAULTS;
const B = BOUNDS;
const scenarioSchema = z
  .object({
    name: name.default(D.name),
    description: z.string().optional(),
    repetitions: z.number().int().min(B.repetitions.min).max(B.repetitions.max).default(D.repetitions),
    warmup: z.number().int().min(B.warmup.min).max(B.warmup.max).default(D.warmup),
    timeout: duration(B.timeoutMs.min, B.timeoutMs.max).default(D.timeout),
    sampleInterval: duration(B.sampleIntervalMs.min, B.sampleIntervalMs.max).default(D.sampleInterval),
    scratchDir: z.string().optional(),
    adaptive: z
      .object({
        target: relativeTarget,
        maxRepetitions: z.number().int().min(B.maxRepetitions.min).max(B.maxRepetitions.max).default(D.adaptiveMaxRepetitions),
      })
      .strict()
      .optional(),
    runtimes: z
      .array(z.enum(RUNTIME_NAMES))
      .min(1)
      .default([...D.runtimes]),
    limits: z.array(limitSetSchema).min(1).optional(),
    workloads: z.array(workloadSchema).min(1),
  })
  .strict();

type RawLimitSet = z.infer<typeof limitSetSchema>;

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
    const hint = i.code === z.ZodIssueCode.custom ? '' : HINTS[i.code] ? ` (${HINTS[i.code]})` : '';
    return `${fieldPath([...prefix, ...i.path])}: ${i.message}${hint}`;
  });
}

function toLimits(raw: RawLimitSet, at: string, problems: string[]): Limits {
  const limits: Limits = {};
  if (raw.cpu && raw.cpus !== undefined)
    problems.push(`${at}: give either cpus or cpu, not both (cpus: 0.5 equals cpu: {quota: 50000, period: 100000})`);
  const cpus = raw.cpus ?? raw.cpu?.cpus;
  if (cpus !== undefined) {
    const periodUs = raw.cpu?.period ?? DEFAULT_CPU_PERIOD_US;
    const quotaUs = Math.round(cpus * periodUs);
    if (quotaUs < QUOTA_MIN) {
      const what = `cpus ${cpus} at period ${periodUs} us is a quota of ${quotaUs} us`;
      problems.push(`${at}: ${what}, below the kernel's ${QUOTA_MIN} us minimum (raise cpus or the period)`);
    }
    limits.cpu = { quotaUs, periodUs };
  } else if (raw.cpu) {
    const q = raw.cpu.quota;
    limits.cpu = { quotaUs: q === undefined || q === 'max' || q === -1 ? null : q, periodUs: raw.cpu.period };
  }
  if (limits.cpu && raw.cpu?.burst !== undefined) limits.cpu.burstUs = raw.cpu.burst;
  if (raw.memory) {
    const m = raw.memory;
    limits.memory = { maxBytes: m.max ?? null };
    if (m.swap !== undefined) limits.memory.swapBytes = m.swap;
    if (m.high !== undefined) limits.memory.highBytes = m.high;
    if (m.high !== undefined && m.max !== undefined && m.high > m.max)
      problems.push(`${at}.memory: high (${m.high}) above max (${m.max}) never triggers (lower high)`);
  }
  if (raw.io) limits.io = raw.io.map((o) => ({ ...o }));
  if (raw.pids !== undefined) limits.pids = raw.pids;
  if (raw.cpuset !== undefined) limits.cpuset = raw.cpuset;
  return limits;
}

function toParams(
  kind: WorkloadSpec['params']['kind'],
  raw: Record<string, unknown>,
  command: string[] | undefined,
  at: string,
  problems: string[],
): WorkloadParams | null {
  if (kind === 'command') {
    if (!command) {
      problems.push(`${at}.command: a command workload needs command: [program, arg, ...] (an argument array, never a shell string)`);
      return null;
    }
    if (Object.keys(raw).length) problems.push(`${at}.params: a command workload takes no params (put arguments in command)`);
    return { kind: 'command', argv: command };
  }
  if (command) problems.push(`${at}.command: only kind "command" takes a command (use params for built-in workloads)`);
  const parsed = paramsByKind[kind].safeParse(raw);
  if (!parsed.success) {
    problems.push(...zodProblems(parsed.error).map((p) => `${at}.params.${p}`));
    return null;
  }
  return { kind, ...parsed.data } as WorkloadParams;
}

/** Validate raw scenario data (already parsed from YAML/JSON). `source` names the file in messages. */
export function validateScenario(raw: unknown, source: string): Scenario {
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
    const params = toParams(w.kind, w.params, w.command, at, problems);
    const rawSets = w.limits ?? s.limits ?? [{}];
    const from = w.limits ? `${at}.limits` : 'limits';
    const sets: LimitSet[] = rawSets.map((ls, li) => {
      const limits = toLimits(ls, `${from}[${li}]`, problems);
      return { name: ls.name ?? limitsLabel(limits), limits };
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
    if (params) workloads.push({ name: w.name, params, limitSets: sets });
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
    sampleIntervalMs: s.sampleInterval,
  };
  if (s.description !== undefined) scenario.description = s.description;
  if (s.scratchDir !== undefined) scenario.scratchDir = s.scratchDir;
  if (s.adaptive) {
    if (s.adaptive.maxRepetitions < s.repetitions)
      fail(source, [`adaptive.maxRepetitions: ${s.adaptive.maxRepetitions} is below repetitions (${s.repetitions}) (raise it)`]);
    scenario.adaptive = { targetRel: s.adaptive.target, maxRepetitions: s.adaptive.maxRepetitions };
  }
  return scenario;
}
