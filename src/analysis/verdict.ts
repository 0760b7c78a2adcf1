// The protection view's reading of one neighbour cell, in words: the resource the workload lost (CPU share,
// latency, page cache, memory, disk bandwidth), to which neighbours, by which figure, and which limit kept
// it. A cause is named only where a measured figure shows it; otherwise the words say it is unknown. Pure.

import { formatBytes } from '../model/units.js';
import type { Cell, ContentionView, NeighbourSummary, ProtectionVerdict, Stats } from '../model/types.js';

type View = Omit<ContentionView, 'verdict'>;

/** A figure this much worse than alone, its interval clear of alone's, is a loss; within it the resource was kept. */
export const LOSS_MARGIN = 0.1;
/** PSI: a stall share this many percentage points above alone's is a rise worth naming. */
const STALL_RISE_PCT = 5;
/** A neighbour using less CPU than this took none worth naming. */
const IDLE_CPUS = 0.05;
/** A neighbour group holding more than this (a program's own few MiB) used memory worth naming. */
const MEMORY_USER_BYTES = 16 * 1024 * 1024;

type Reading = 'lost' | 'kept' | 'unclear';

/** A per-run ratio against alone where above 1 is worse (disk reads, time) or, `down`, below 1 (share, rate). */
function judge(s: Stats | null | undefined, down = false): Reading | null {
  if (!s) return null;
  const worse = down ? s.median < 1 - LOSS_MARGIN : s.median > 1 + LOSS_MARGIN;
  if (!worse) return 'kept';
  // One run has no interval; with more, the interval of the mean must clear alone, or (a few runs, whose t
  // interval is wide) every run must be worse than alone by the margin.
  const clear = s.n < 2 || (down ? s.ci95[1] < 1 || s.max < 1 - LOSS_MARGIN : s.ci95[0] > 1 || s.min > 1 + LOSS_MARGIN);
  return clear ? 'lost' : 'unclear';
}

const x = (v: number): string => `${v.toFixed(2)}x`;
const pct = (v: number): string => `${(v * 100).toFixed(0)} %`;
const mbps = (bps: number): string => `${(bps / 1e6).toFixed(1)} MB/s`;
const interval = (s: Stats): string => `95 % CI ${s.ci95[0].toFixed(2)}–${s.ci95[1].toFixed(2)}`;

/** "a", "a and b", "a, b and c". */
function names(ns: readonly NeighbourSummary[]): string {
  const l = ns.map((n) => n.label);
  return l.length <= 1 ? (l[0] ?? '') : `${l.slice(0, -1).join(', ')} and ${l.at(-1) ?? ''}`;
}

/** Its neighbours' limits on the resource, which kept it: "the limit on writer (write 20.0 MB/s)". */
function heldBy(ns: readonly NeighbourSummary[]): string | null {
  const limited = ns.filter((n) => n.limit);
  return limited.length ? `the limit on ${limited.map((n) => `${n.label} (${n.limit})`).join(' and on ')}` : null;
}

function stallRise(v: View, res: 'cpu' | 'memory' | 'io'): string | null {
  const p = v.pressure?.[res];
  if (!p || p.pct < (p.alonePct ?? 0) + STALL_RISE_PCT) return null;
  const what = res === 'cpu' ? 'a CPU' : res;
  return `its tasks waited for ${what} ${p.pct.toFixed(0)} % of the time (alone ${(p.alonePct ?? 0).toFixed(0)} %, PSI)`;
}

const join = (...parts: (string | null | undefined | false)[]): string => parts.filter(Boolean).join('; ');

/** Slower than alone while its resource was kept: no figure of its own says why. What its neighbours did to
 *  the disk meanwhile is said beside it, as a lead, not a cause. */
function slowerUnexplained(v: View): string | null {
  const t = judge(v.timeVsAlone);
  if (t !== 'lost' || !v.timeVsAlone) return null;
  const disk = v.neighbours.reduce((sum, n) => sum + (n.diskReadBytesPerSec ?? 0) + (n.diskWriteBytesPerSec ?? 0), 0);
  const lead = disk > 0 ? `; its neighbours moved ${mbps(disk)} on disk meanwhile` : '';
  return `yet it ran ${x(v.timeVsAlone.median)} as long as alone: cause unknown (no figure of its own moved${lead})`;
}

function pageCache(cell: Cell, v: View): ProtectionVerdict | null {
  const m = v.memory;
  const reads = judge(m?.diskReadsVsAlone);
  if (!m || !reads || !m.diskReadsVsAlone) return null;
  const ratio = `disk reads ${x(m.diskReadsVsAlone.median)} alone`;
  const perPass = m.diskReadsPerPass ? `, ${formatBytes(m.diskReadsPerPass.median)} a pass` : '';
  const refaults =
    m.refaultsPerPass !== null && m.refaultsPerPass > (m.aloneRefaultsPerPass ?? 0) * (1 + LOSS_MARGIN)
      ? `, ${Math.round(m.refaultsPerPass)} pages refaulted a pass (alone ${Math.round(m.aloneRefaultsPerPass ?? 0)})`
      : '';
  const stall = stallRise(v, 'memory');
  if (reads === 'unclear') return { lost: 'unknown', text: `${ratio}, too spread to tell (${interval(m.diskReadsVsAlone)})` };
  if (reads === 'kept') {
    const held = heldBy(v.neighbours);
    return { lost: null, text: join(`kept its working set (${ratio})`, held && `${held} kept it`, slowerUnexplained(v)) };
  }
  // Who used page cache or read the disk beside it: a figure of theirs, not their kind, names them.
  const takers = v.neighbours.filter(
    (n) =>
      (n.cacheBytes ?? 0) > 0 ||
      (n.diskReadBytesPerSec ?? 0) > 0 ||
      (n.peakMemoryBytes ?? 0) > MEMORY_USER_BYTES ||
      (n.placement === 'same' && (n.bytesPerSec ?? 0) > 0),
  );
  // Extra reads, not evicted bytes: a page evicted once is read back on every later pass, so they can
  // exceed the working set itself.
  const extra =
    m.extraDiskReadBytes !== null && m.extraDiskReadBytes > 0
      ? `, ${formatBytes(m.extraDiskReadBytes)} more read from disk than alone`
      : '';
  if (!takers.length) {
    return {
      lost: 'page cache',
      text: join(`lost page cache (${ratio}${perPass}${refaults}), cause unknown: no neighbour's figure shows memory use`, stall),
    };
  }
  // Its group's peak: a page-cache neighbour's cache is gone by its last reading (its file goes with it).
  const uses = takers
    .map((n) => (n.peakMemoryBytes ? `${n.label} held up to ${formatBytes(n.peakMemoryBytes)}` : null))
    .filter(Boolean)
    .join(', ');
  const parent = cell.neighbourSet?.parent?.memory?.maxBytes;
  const shared = parent != null ? ` in the ${formatBytes(parent)} they share` : '';
  const unheld = takers.filter((n) => !n.limit);
  return {
    lost: 'page cache',
    text: join(
      `lost page cache: ${names(takers)} evicted its working set${extra} (${ratio}${perPass}${refaults})`,
      uses,
      unheld.length ? `no memory limit held ${names(unheld)}${shared}` : null,
      stall,
    ),
  };
}

function memory(v: View): ProtectionVerdict | null {
  const m = v.memory;
  if (!m) return null;
  const users = v.neighbours.filter((n) => (n.peakMemoryBytes ?? 0) > 0);
  const use = users.map((n) => `${n.label} held ${formatBytes(n.peakMemoryBytes ?? 0)}`).join(', ');
  const stall = stallRise(v, 'memory');
  if (m.oomKills > m.aloneOomKills) {
    return { lost: 'memory', text: join(`OOM-killed in ${m.oomKills} run(s) (alone ${m.aloneOomKills})`, use || null, stall) };
  }
  const faults = m.majorFaultsPerPass;
  const aloneFaults = m.aloneMajorFaultsPerPass ?? 0;
  if (faults !== null && faults > aloneFaults * (1 + LOSS_MARGIN) + 1) {
    const ratio = aloneFaults > 0 ? `${x(faults / aloneFaults)} alone` : `alone ${aloneFaults.toFixed(0)}`;
    return { lost: 'memory', text: join(`lost memory: ${faults.toFixed(0)} major faults a pass (${ratio})`, use || null, stall) };
  }
  if (stall) return { lost: 'memory', text: `lost memory: ${stall}` };
  const held = heldBy(v.neighbours);
  return {
    lost: null,
    text: join('kept its memory (no OOM kill, major faults as alone)', held && `${held} kept it`, slowerUnexplained(v)),
  };
}

function disk(v: View): ProtectionVerdict | null {
  const io = v.io;
  const rate = judge(io?.rateKept, true);
  if (!io || !rate || !io.rateKept) return null;
  const kept = `${pct(io.rateKept.median)} of its alone rate`;
  const figures =
    io.bytesPerSec && io.aloneBytesPerSec !== null ? ` (${mbps(io.bytesPerSec.median)} vs ${mbps(io.aloneBytesPerSec)}` : ' (';
  const perIo =
    io.usPerIo !== null && io.aloneUsPerIo !== null ? `, ${io.usPerIo.toFixed(0)} vs ${io.aloneUsPerIo.toFixed(0)} us per IO)` : ')';
  const stall = stallRise(v, 'io');
  if (rate === 'unclear') return { lost: 'unknown', text: `${kept}, too spread to tell (${interval(io.rateKept)})` };
  const moved = (n: NeighbourSummary): number => (n.diskReadBytesPerSec ?? 0) + (n.diskWriteBytesPerSec ?? 0);
  const takers = v.neighbours.filter((n) => moved(n) > 0 || (n.placement === 'same' && (n.bytesPerSec ?? 0) > 0));
  const rates = takers
    .map((n) => `${n.label} moved ${mbps(moved(n) || (n.bytesPerSec ?? 0))}${n.limit ? ` (${n.limit})` : ' (no throttle)'}`)
    .join(', ');
  if (rate === 'kept') {
    const held = heldBy(v.neighbours);
    return { lost: null, text: join(`kept its disk bandwidth: ${kept}${figures}${perIo}`, held ? `${held} kept it` : rates || null) };
  }
  if (!takers.length) {
    return {
      lost: 'disk bandwidth',
      text: join(`lost disk bandwidth: ${kept}${figures}${perIo}, cause unknown: no neighbour's figure shows disk use`, stall),
    };
  }
  const unheld = takers.filter((n) => !n.limit);
  return {
    lost: 'disk bandwidth',
    text: join(
      `lost disk bandwidth: ${kept}${figures}${perIo} beside ${names(takers)}`,
      rates,
      unheld.length ? `no throttle held ${names(unheld)}` : 'their throttles left too little',
      stall,
    ),
  };
}

/** Neighbours that used CPU, and how much. */
function cpuTakers(v: View): { who: NeighbourSummary[]; text: string } {
  const who = v.neighbours.filter((n) => (n.cpus ?? 0) > IDLE_CPUS);
  return {
    who,
    text: who.map((n) => `${n.label} used ${(n.cpus ?? 0).toFixed(2)} CPU${n.placement === 'same' ? ' in its group' : ''}`).join(', '),
  };
}

/** Which limit kept a CPU share: the neighbours' quotas or weights, else the group boundary itself. */
function cpuKeeper(v: View): string | null {
  const held = heldBy(v.neighbours);
  if (held) return `${held} kept it`;
  if (v.neighbours.length && v.neighbours.every((n) => n.placement === 'own')) return 'groups of their own share the CPUs by weight';
  return null;
}

function cpu(v: View): ProtectionVerdict | null {
  const share = judge(v.shareKept, true);
  if (!share || !v.shareKept) return null;
  const model = v.expectedShareKept !== null ? `, the fair-share model ${pct(v.expectedShareKept)}` : '';
  const kept = `share kept ${pct(v.shareKept.median)}${model}`;
  const cost = judge(v.costRatio);
  const costText =
    cost === 'lost' && v.costRatio
      ? `its work cost ${x(v.costRatio.median)} the CPU it did alone: interference no cgroup limit controls (shared cores, caches)`
      : null;
  const takers = cpuTakers(v);
  if (share === 'lost') {
    const same = v.neighbours.some((n) => n.placement === 'same');
    const unheld = takers.who.filter((n) => !n.limit);
    const held = takers.who.filter((n) => n.limit && n.placement === 'own').map((n) => `${n.label} stayed within its limit (${n.limit})`);
    const why = same
      ? 'in one group the scheduler splits its CPU among all its threads'
      : unheld.length
        ? `no quota or weight held ${names(unheld)}`
        : null;
    // Lost beyond what the model gives its neighbours: their figures do not explain the rest.
    const beyond =
      v.expectedShareKept !== null && v.shareKept.median < v.expectedShareKept - LOSS_MARGIN
        ? `the loss beyond the model's ${pct(v.expectedShareKept)} has no cause in its neighbours' figures ` +
          '(unknown: other load on the host?)'
        : null;
    return {
      lost: 'cpu share',
      text: join(
        `lost CPU share: the scheduler gave it less (${kept})`,
        takers.text || null,
        why,
        held.join(', ') || null,
        beyond,
        costText,
      ),
    };
  }
  if (share === 'unclear') return { lost: 'unknown', text: join(`CPU ${kept}, too spread to tell (${interval(v.shareKept)})`, costText) };
  return { lost: costText ? 'cpu time' : null, text: join(`kept its CPU share (${kept})`, cpuKeeper(v), costText) };
}

function latency(v: View): ProtectionVerdict | null {
  if (v.p99Ratio === undefined) return null;
  const p99 = `p99 ${x(v.p99Ratio)} alone`;
  const share = judge(v.shareKept, true);
  const takers = cpuTakers(v);
  if (v.p99Ratio <= 1 + LOSS_MARGIN) return { lost: null, text: join(`kept its latency (${p99})`, cpuKeeper(v)) };
  if (share === 'lost' && v.shareKept) {
    return {
      lost: 'latency',
      text: join(`lost latency (${p99}): the scheduler gave it less CPU (share kept ${pct(v.shareKept.median)})`, takers.text || null),
    };
  }
  const wait = stallRise(v, 'cpu');
  if (wait) return { lost: 'latency', text: join(`lost latency (${p99}): ${wait}`, takers.text || null) };
  const kept = v.shareKept ? `it kept its CPU share (${pct(v.shareKept.median)})` : 'its CPU share is unknown';
  return {
    lost: 'latency',
    text: join(`lost latency (${p99}), cause unknown: ${kept} and no CPU pressure figure shows a wait`, takers.text || null),
  };
}

/** Commands (unknown work): whichever measured figure moved, else unknown. */
function anything(cell: Cell, v: View): ProtectionVerdict {
  const cache = pageCache(cell, v);
  if (cache?.lost) return cache;
  for (const res of ['memory', 'io', 'cpu'] as const) {
    const rise = stallRise(v, res);
    if (rise) return { lost: res === 'cpu' ? 'cpu share' : res === 'io' ? 'disk bandwidth' : 'memory', text: rise };
  }
  const t = judge(v.timeVsAlone);
  if (t === 'lost' && v.timeVsAlone) {
    return { lost: 'unknown', text: `ran ${x(v.timeVsAlone.median)} as long as alone, cause unknown: no measured figure moved` };
  }
  return { lost: null, text: v.timeVsAlone ? `as fast as alone (${x(v.timeVsAlone.median)})` : 'no figure to judge' };
}

/** The verdict of a neighbour cell's view, in the terms of its workload's resource. */
export function verdictOf(cell: Cell, v: View): ProtectionVerdict {
  const none: ProtectionVerdict = { lost: null, text: 'no figure to judge (no measured runs beside it or alone)' };
  switch (v.resource) {
    case 'cpu':
      return (cell.kind === 'latency' ? latency(v) : cpu(v)) ?? none;
    case 'page cache':
      return memoryLoss(v) ?? pageCache(cell, v) ?? none;
    case 'memory':
      return memory(v) ?? none;
    case 'disk':
      return disk(v) ?? none;
    case 'unknown':
      return anything(cell, v);
  }
}

/** An OOM kill beside neighbours says more than any page-cache figure. */
function memoryLoss(v: View): ProtectionVerdict | null {
  const m = v.memory;
  return m && m.oomKills > m.aloneOomKills ? memory(v) : null;
}
