// The one place where runtime-neutral limits become `docker run` flags. Pure: the caller passes
// how a disk's MAJ:MIN becomes a device path, since Docker wants /dev/NAME, not numbers.

import { cpuSharesFromWeight } from '../../model/knobs.js';
import type { ResolvedLimits } from '../../model/types.js';

/** Maps a whole disk's numbers to the path Docker resolves on the engine's host, e.g. "/dev/vda". */
export type DevicePathOf = (major: number, minor: number) => string;

/** Docker parses sizes with binary suffixes ("10mb" is 10 MiB), so only exact integers are passed. */
function int(n: number): string {
  return String(Math.round(n));
}

/** Flags for `docker run`, in a stable order, each value its own array element. Limits Docker cannot
 *  express (model/limits.ts dockerUnsupportedLimits) are left out; the warnings name them. */
export function toDockerFlags(limits: ResolvedLimits, devicePathOf: DevicePathOf): string[] {
  const args: string[] = [];
  if (limits.cpu) {
    // --cpus would fix the period at 100 ms; quota and period say exactly what the native runtime writes.
    args.push('--cpu-period', int(limits.cpu.periodUs));
    if (limits.cpu.quotaUs !== null) args.push('--cpu-quota', int(limits.cpu.quotaUs));
  }
  // Docker passes --cpu-shares to v1 as is and converts it for v2 the way cgroup/translate.ts inverts.
  if (limits.cpuWeight !== undefined) args.push('--cpu-shares', int(cpuSharesFromWeight(limits.cpuWeight)));
  if (limits.memory && limits.memory.maxBytes !== null) {
    const { maxBytes, swapBytes } = limits.memory;
    args.push('--memory', int(maxBytes));
    // --memory-swap is memory plus swap: equal to --memory means no swap, as in the native runtime;
    // a null swap means "swap not limited", which Docker spells -1.
    args.push('--memory-swap', swapBytes === null ? '-1' : int(maxBytes + (swapBytes ?? 0)));
  }
  for (const io of limits.io ?? []) {
    const dev = devicePathOf(io.major, io.minor);
    if (io.rbps !== undefined) args.push('--device-read-bps', `${dev}:${int(io.rbps)}`);
    if (io.wbps !== undefined) args.push('--device-write-bps', `${dev}:${int(io.wbps)}`);
    if (io.riops !== undefined) args.push('--device-read-iops', `${dev}:${int(io.riops)}`);
    if (io.wiops !== undefined) args.push('--device-write-iops', `${dev}:${int(io.wiops)}`);
  }
  if (limits.cpuset !== undefined) args.push('--cpuset-cpus', limits.cpuset);
  if (limits.pids !== undefined) args.push('--pids-limit', int(limits.pids));
  if (limits.ioWeight !== undefined) args.push('--blkio-weight', int(limits.ioWeight));
  return args;
}

/** `--mount` takes CSV (unlike -v, which splits on ":"): a field with a comma or quote is quoted. */
export function bindMountFlag(source: string, target: string, readonly = false): string[] {
  const field = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return ['--mount', ['type=bind', field(`source=${source}`), field(`target=${target}`), ...(readonly ? ['readonly'] : [])].join(',')];
}
