// Gathers the host context every result carries: kernel, distro, CPU, memory, cgroup mode,
// the scratch disk and the tool version (systeminformation does most of the work).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import si from 'systeminformation';
import type { CgroupInfo } from '../cgroup/detect.js';
import type { DiskTarget } from '../cgroup/disk.js';
import { readSmall } from '../cgroup/files.js';
import { MAX_PAGE_ORDER, REPORTING_ORDER } from '../model/page-reporting.js';
import { PACKAGE_ROOT } from '../model/paths.js';
import type { HostInfo } from '../model/types.js';

export function toolVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** virtio device 5 is the balloon; its feature bit 5 is VIRTIO_BALLOON_F_FREE_PAGE_REPORTING. */
const BALLOON_DEVICE = 0x5;
const FREE_PAGE_REPORTING_BIT = 5;

/**
 * Whether this kernel hands free memory back to its hypervisor, and in blocks of which order: a virtio balloon
 * that negotiated free page reporting, and a reporting order that admits pages. `sys` is the sysfs root.
 */
export function freePageReporting(sys = '/sys'): HostInfo['freePageReporting'] {
  const read = (file: string): string | undefined => readSmall(file)?.trim();
  let devices: string[];
  try {
    devices = readdirSync(`${sys}/bus/virtio/devices`);
  } catch {
    return undefined;
  }
  const reporting = devices.some(
    (d) =>
      Number(read(`${sys}/bus/virtio/devices/${d}/device`)) === BALLOON_DEVICE &&
      read(`${sys}/bus/virtio/devices/${d}/features`)?.[FREE_PAGE_REPORTING_BIT] === '1',
  );
  const order = Number(read(`${sys}/${REPORTING_ORDER}`));
  return reporting && Number.isInteger(order) && order >= 0 && order <= MAX_PAGE_ORDER ? { order } : undefined;
}

export async function gatherHost(cgroup: CgroupInfo, disk?: DiskTarget): Promise<HostInfo> {
  const [os, cpu, mem] = await Promise.all([si.osInfo(), si.cpu(), si.mem()]);
  const host: HostInfo = {
    hostname: os.hostname,
    kernel: os.kernel,
    distro: `${os.distro} ${os.release}`.trim(),
    arch: os.arch,
    cpuModel: `${cpu.manufacturer} ${cpu.brand}`.trim(),
    cpuCount: cpu.cores,
    memoryBytes: mem.total,
    cgroup: {
      mode: cgroup.mode,
      driver: cgroup.driver,
      controllers: cgroup.controllers,
      root: cgroup.driver === 'v1' ? `/sys/fs/cgroup/<controller>/${cgroup.root}` : cgroup.root,
    },
    node: process.version,
    cgbenchVersion: toolVersion(),
  };
  const reporting = freePageReporting();
  if (reporting) host.freePageReporting = reporting;
  if (disk) {
    const sys = (file: string): string | undefined => readSmall(`/sys/dev/block/${disk.major}:${disk.minor}/${file}`)?.trim() || undefined;
    const model = sys('device/model');
    const rotational = sys('queue/rotational');
    host.disk = { scratchDir: disk.dir, device: `${disk.diskName} (${disk.major}:${disk.minor})`, fsType: disk.fsType };
    if (model) host.disk.model = model;
    // The IO model needs it: the block throttle's slice (its initial allowance) depends on it.
    if (rotational !== undefined) host.disk.rotational = rotational === '1';
  }
  return host;
}
