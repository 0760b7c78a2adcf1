// Pure parsers for cgroup stat-file text (v1 and v2) and for /proc mount and cgroup tables.
// Every function takes the file's text and returns numbers; no I/O here.

import type { IoCounters, PressureReading } from '../model/types.js';

/** "key value" lines (cpu.stat, memory.stat, memory.events, memory.oom_control). */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 2) continue;
    const [key, raw] = parts as [string, string];
    const value = raw === 'max' ? Number.POSITIVE_INFINITY : Number(raw);
    if (!Number.isNaN(value)) out[key] = value;
  }
  return out;
}

/** A single number ("12345\n"); "max" is Infinity. */
export function parseSingle(text: string): number | null {
  const t = text.trim();
  if (t === 'max') return Number.POSITIVE_INFINITY;
  if (t === '') return null;
  const n = Number(t);
  return Number.isNaN(n) ? null : n;
}

/** v2 io.stat: "254:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device. */
export function parseIoStat(text: string): Record<string, IoCounters> {
  const out: Record<string, IoCounters> = {};
  for (const line of text.split('\n')) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    if (!dev || !/^\d+:\d+$/.test(dev)) continue;
    const kv: Record<string, number> = {};
    for (const p of pairs) {
      const [k, v] = p.split('=');
      if (k && v !== undefined) kv[k] = Number(v);
    }
    out[dev] = { rbytes: kv.rbytes ?? 0, wbytes: kv.wbytes ?? 0, rios: kv.rios ?? 0, wios: kv.wios ?? 0 };
  }
  return out;
}

/** v1 blkio.throttle.io_service_bytes / io_serviced: "254:0 Read 123" lines (and "Total N"). */
export function parseBlkioThrottle(text: string): Record<string, { read: number; write: number }> {
  const out: Record<string, { read: number; write: number }> = {};
  for (const line of text.split('\n')) {
    const [dev, op, raw] = line.trim().split(/\s+/);
    if (!dev || !op || raw === undefined || !/^\d+:\d+$/.test(dev)) continue;
    const entry = (out[dev] ??= { read: 0, write: 0 });
    if (op === 'Read') entry.read = Number(raw);
    else if (op === 'Write') entry.write = Number(raw);
  }
  return out;
}

/** Merge v1 bytes and ops tables into per-device counters. */
export function mergeBlkio(
  bytes: Record<string, { read: number; write: number }>,
  ops: Record<string, { read: number; write: number }>,
): Record<string, IoCounters> {
  const out: Record<string, IoCounters> = {};
  for (const dev of new Set([...Object.keys(bytes), ...Object.keys(ops)])) {
    out[dev] = {
      rbytes: bytes[dev]?.read ?? 0,
      wbytes: bytes[dev]?.write ?? 0,
      rios: ops[dev]?.read ?? 0,
      wios: ops[dev]?.write ?? 0,
    };
  }
  return out;
}

/** PSI: "some avg10=0.00 avg60=0.00 avg300=0.00 total=123\nfull ...". */
export function parsePressure(text: string): PressureReading | null {
  let some: Record<string, number> | null = null;
  let full: Record<string, number> | null = null;
  for (const line of text.split('\n')) {
    const [kind, ...pairs] = line.trim().split(/\s+/);
    const kv: Record<string, number> = {};
    for (const p of pairs) {
      const [k, v] = p.split('=');
      if (k && v !== undefined) kv[k] = Number(v);
    }
    if (kind === 'some') some = kv;
    else if (kind === 'full') full = kv;
  }
  if (!some) return null;
  const out: PressureReading = { someAvg10: some.avg10 ?? 0, someTotalUs: some.total ?? 0 };
  if (full) {
    out.fullAvg10 = full.avg10 ?? 0;
    out.fullTotalUs = full.total ?? 0;
  }
  return out;
}

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string[];
  majorMinor: string;
}

/** /proc/self/mountinfo lines. */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const l = left.split(' ');
    const r = right.split(' ');
    out.push({
      majorMinor: l[2] ?? '',
      mountPoint: unescapeMount(l[4] ?? ''),
      fsType: r[0] ?? '',
      source: unescapeMount(r[1] ?? ''),
      superOptions: (r[2] ?? '').split(','),
    });
  }
  return out;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** /proc/PID/cgroup: "hierarchy-id:controllers:path" lines. v2 is "0::/path". */
export function parseProcCgroup(text: string): { id: number; controllers: string[]; path: string }[] {
  const out: { id: number; controllers: string[]; path: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    out.push({ id: Number(m[1]), controllers: m[2] ? m[2].split(',') : [], path: m[3] ?? '/' });
  }
  return out;
}
