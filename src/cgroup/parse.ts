// Pure parsers for cgroup stat-file text (v1 and v2) and for /proc mount and cgroup tables.
// Every function takes the file's text and returns numbers; no I/O here.

import type { IoCounters, PressureReading } from '../model/types.js';

/** Parse the digits at `i` (an optional leading "-"); NaN when there are none. "max" is Infinity. */
function numberAt(text: string, i: number): number {
  if (text.startsWith('max', i)) return Number.POSITIVE_INFINITY;
  let neg = false;
  if (text.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  let n = 0;
  let digits = 0;
  for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) {
    n = n * 10 + (c - 48);
    digits++;
  }
  if (digits === 0) return Number.NaN;
  // Beyond 2^53 the running sum loses digits; such values (e.g. v1's "unlimited") are rare.
  return neg ? -n : n;
}

/** "key value" lines (cpu.stat, memory.stat, memory.events, memory.oom_control). The sampler calls
 *  this hundreds of times a second, so it scans with indexOf instead of split and regexes. */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  let pos = 0;
  const len = text.length;
  while (pos < len) {
    let eol = text.indexOf('\n', pos);
    if (eol === -1) eol = len;
    const sp = text.indexOf(' ', pos);
    if (sp > pos && sp < eol) {
      const v = numberAt(text, sp + 1);
      if (!Number.isNaN(v)) out[text.slice(pos, sp)] = v;
    }
    pos = eol + 1;
  }
  return out;
}

/** The values of a few keys of a flat-keyed file, without building the whole table. */
export function pickFlatKeys<K extends string>(text: string, keys: readonly K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const key of keys) {
    let at = text.startsWith(key + ' ') ? 0 : text.indexOf('\n' + key + ' ');
    if (at === -1) continue;
    if (at > 0 || !text.startsWith(key + ' ')) at += 1;
    const v = numberAt(text, at + key.length + 1);
    if (!Number.isNaN(v)) out[key] = v;
  }
  return out;
}

/** A single number ("12345\n"); "max" is Infinity. */
export function parseSingle(text: string): number | null {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 10)) i++;
  if (i === text.length) return null;
  const n = numberAt(text, i);
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
  let pos = 0;
  const len = text.length;
  while (pos < len) {
    let eol = text.indexOf('\n', pos);
    if (eol === -1) eol = len;
    const sp1 = text.indexOf(' ', pos);
    const c = text.charCodeAt(pos);
    if (sp1 > pos && sp1 < eol && c >= 48 && c <= 57) {
      const sp2 = text.indexOf(' ', sp1 + 1);
      if (sp2 > sp1 && sp2 < eol) {
        const op = text.slice(sp1 + 1, sp2);
        if (op === 'Read' || op === 'Write') {
          const dev = text.slice(pos, sp1);
          const entry = (out[dev] ??= { read: 0, write: 0 });
          const v = numberAt(text, sp2 + 1);
          if (op === 'Read') entry.read = v;
          else entry.write = v;
        }
      }
    }
    pos = eol + 1;
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
