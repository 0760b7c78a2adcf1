// Free page reporting: a VM's kernel hands free memory back to its hypervisor (a virtio balloon with
// VIRTIO_BALLOON_F_FREE_PAGE_REPORTING), and a run that takes that memory again pays the faults as its own CPU
// time. What it is and how to switch it off, said the same way by the host facts, the warnings and doctor.

import type { WorkloadKind } from './types.js';

/** The largest page order the buddy allocator keeps on x86-64 (MAX_PAGE_ORDER): a reporting order above it
 *  reports nothing, which is how reporting is switched off without a reboot. */
export const MAX_PAGE_ORDER = 10;

/** The kernel parameter that sets the order of the blocks reported, under the sysfs root. */
export const REPORTING_ORDER = 'module/page_reporting/parameters/page_reporting_order';

/** Kinds whose runs allocate and free their working memory in bulk (not a loop in registers, not O_DIRECT IO). */
const BULK_MEMORY: ReadonlySet<WorkloadKind> = new Set(['memory', 'command', 'service']);

export const allocatesInBulk = (kind: WorkloadKind | undefined): boolean => kind !== undefined && BULK_MEMORY.has(kind);

/** What reporting at this order does. */
export const reportingIs = (r: { order: number }): string =>
  `this VM hands freed memory back to its hypervisor (free page reporting, blocks of 2^${r.order} pages) a second or ` +
  'two after it is freed, and a run that takes that memory again pays the faults as its own CPU time';

/** The root commands that switch it off, and back on at this order. */
export const reportingOff = (r: { order: number }): string =>
  `echo ${MAX_PAGE_ORDER + 1} > /sys/${REPORTING_ORDER}; back on: echo ${r.order} > the same file`;
