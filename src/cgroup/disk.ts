// Resolves where IO really goes: a directory's filesystem, the whole disk's MAJ:MIN that blkio / io.max
// throttles apply to, and its device node (Docker's flags name it). Refuses tmpfs, overlayfs and the like.

import { existsSync, readFileSync, realpathSync, statfsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CgbenchError } from '../model/errors.js';
import type { IoLimit, ResolvedIoLimit } from '../model/types.js';

/** statfs f_type magic numbers (linux/magic.h) of filesystems people point scratch dirs at. */
const FS_MAGIC: Record<number, string> = {
  0xef53: 'ext4',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x858458f6: 'ramfs',
  0x794c7630: 'overlayfs',
  0x6969: 'nfs',
  0x01021997: 'v9fs',
  0x65735546: 'fuse',
  0x2fc12fc1: 'zfs',
  0xf2f52010: 'f2fs',
  0x4d44: 'vfat',
};
const UNTHROTTLEABLE = new Set(['tmpfs', 'ramfs', 'overlayfs', 'nfs', 'v9fs', 'fuse', 'zfs']);

export interface DiskTarget {
  dir: string;
  fsType: string;
  /** The filesystem's own device. */
  fsDevice: string;
  /** The whole disk the device sits on (what throttles apply to). */
  major: number;
  minor: number;
  diskName: string;
}

function devMajor(dev: number): number {
  return Number(((BigInt(dev) >> 8n) & 0xfffn) | ((BigInt(dev) >> 32n) & ~0xfffn));
}

function devMinor(dev: number): number {
  return Number((BigInt(dev) & 0xffn) | ((BigInt(dev) >> 12n) & ~0xffn));
}

function fsTypeName(magic: number): string {
  return FS_MAGIC[magic] ?? `0x${magic.toString(16)}`;
}

/** /sys/dev/block/M:m of a partition links into its disk's directory: climb to the disk. */
function wholeDisk(major: number, minor: number, sysRoot = '/sys'): { major: number; minor: number; name: string } | null {
  const link = join(sysRoot, 'dev/block', `${major}:${minor}`);
  if (!existsSync(link)) return null;
  const real = realpathSync(link);
  if (existsSync(join(real, 'partition'))) {
    const parentDev = readFileSync(join(dirname(real), 'dev'), 'utf8').trim();
    const [M, m] = parentDev.split(':').map(Number) as [number, number];
    return { major: M, minor: m, name: basename(dirname(real)) };
  }
  return { major, minor, name: basename(real) };
}

export function resolveDiskTarget(dir: string): DiskTarget {
  let st;
  let fs;
  try {
    st = statSync(dir);
    fs = statfsSync(dir);
  } catch (e) {
    throw new CgbenchError(
      'E_IO_TARGET',
      `scratch directory ${dir} is not accessible (${(e as NodeJS.ErrnoException).code})`,
      'create it or pass --scratch DIR on a real disk',
    );
  }
  const fsType = fsTypeName(Number(fs.type));
  const major = devMajor(st.dev);
  const minor = devMinor(st.dev);
  if (UNTHROTTLEABLE.has(fsType)) {
    throw new CgbenchError(
      'E_IO_TARGET',
      `scratch directory ${dir} is on ${fsType}, which IO throttles cannot limit (and which may not support O_DIRECT)`,
      'pass --scratch DIR (or scratchDir in the scenario) on a disk-backed filesystem such as ext4 or xfs, e.g. /var/tmp',
    );
  }
  const disk = wholeDisk(major, minor);
  if (!disk) {
    throw new CgbenchError(
      'E_IO_TARGET',
      `scratch directory ${dir} (${fsType}) is on device ${major}:${minor}, which is not a block device IO throttles can apply to`,
      'use a directory on a filesystem that sits directly on a disk or partition',
    );
  }
  return { dir, fsType, fsDevice: `${major}:${minor}`, major: disk.major, minor: disk.minor, diskName: disk.name };
}

/** Resolve "scratch", "/dev/sda" or "8:0" to a whole disk. */
export function resolveIoLimit(limit: IoLimit, scratch: () => DiskTarget): ResolvedIoLimit {
  const d = limit.device;
  if (d === 'scratch' || d === 'auto') {
    const t = scratch();
    return { ...limit, major: t.major, minor: t.minor };
  }
  let major: number;
  let minor: number;
  const mm = /^(\d+):(\d+)$/.exec(d);
  if (mm) {
    major = Number(mm[1]);
    minor = Number(mm[2]);
  } else {
    let st;
    try {
      st = statSync(d);
    } catch {
      throw new CgbenchError(
        'E_IO_TARGET',
        `IO limit device ${d} does not exist`,
        'use "scratch", a block device path such as /dev/vda, or MAJ:MIN',
      );
    }
    if (!st.isBlockDevice()) {
      throw new CgbenchError(
        'E_IO_TARGET',
        `IO limit device ${d} is not a block device`,
        'use "scratch", a block device path such as /dev/vda, or MAJ:MIN',
      );
    }
    major = devMajor(st.rdev);
    minor = devMinor(st.rdev);
  }
  const disk = wholeDisk(major, minor);
  if (!disk) throw new CgbenchError('E_IO_TARGET', `IO limit device ${d} (${major}:${minor}) is not a block device`, 'check `lsblk`');
  return { ...limit, major: disk.major, minor: disk.minor };
}

/** A disk's device node by the kernel's name for it (its uevent DEVNAME): Docker names IO throttle devices by path. */
export function devicePathOf(major: number, minor: number, sysRoot = '/sys'): string {
  try {
    const uevent = readFileSync(`${sysRoot}/dev/block/${major}:${minor}/uevent`, 'utf8');
    const name = /^DEVNAME=(.+)$/m.exec(uevent)?.[1];
    if (name) return `/dev/${name.trim()}`;
  } catch {
    // fall through to the error
  }
  throw new CgbenchError(
    'E_IO_TARGET',
    `no device node known for block device ${major}:${minor}`,
    'docker needs a /dev path for --device-*-bps; check `lsblk`',
  );
}

/** The active scheduler in a queue/scheduler text ("none [mq-deadline] kyber bfq"), and the others offered. */
export function parseScheduler(text: string): { active: string | null; offered: string[] } {
  const names = text.trim().split(/\s+/).filter(Boolean);
  const active = names.find((n) => n.startsWith('['))?.replace(/[[\]]/g, '') ?? null;
  return { active, offered: names.map((n) => n.replace(/[[\]]/g, '')) };
}

/**
 * An IO weight is honoured only by BFQ (io.bfq.weight / blkio.bfq.weight): under mq-deadline, kyber or
 * none it would be written and do nothing, so it is refused before the first run with the disk's scheduler.
 */
export function assertIoWeightHonoured(disk: DiskTarget, sysRoot = '/sys'): void {
  let text = '';
  try {
    text = readFileSync(join(sysRoot, 'block', disk.diskName, 'queue/scheduler'), 'utf8');
  } catch {
    // no queue (a virtual device): reported as no scheduler below
  }
  const { active, offered } = parseScheduler(text);
  if (active === 'bfq') return;
  const fix = offered.includes('bfq')
    ? `switch the disk to BFQ (echo bfq > /sys/block/${disk.diskName}/queue/scheduler) or drop ioWeight`
    : 'load BFQ (modprobe bfq) and switch the disk to it, or drop ioWeight';
  throw new CgbenchError(
    'E_IO_TARGET',
    `an io weight needs the BFQ scheduler, but /dev/${disk.diskName} uses ${active ?? 'no scheduler'}, which ignores weights`,
    fix,
  );
}
