import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePageReporting } from '../../src/app/host.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A sysfs with the given virtio devices (id, feature bits) and, unless null, a page_reporting_order. */
function sysfs(devices: [string, string][], order: string | null): string {
  const root = mkdtempSync(join(tmpdir(), 'cgbench-test-sysfs-'));
  roots.push(root);
  devices.forEach(([id, features], i) => {
    const dir = join(root, 'bus/virtio/devices', `virtio${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'device'), `${id}\n`);
    writeFileSync(join(dir, 'features'), `${features}\n`);
  });
  if (order !== null) {
    const dir = join(root, 'module/page_reporting/parameters');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'page_reporting_order'), `${order}\n`);
  }
  return root;
}

// Feature strings as the kernel prints them: bit 0 first. A balloon with bit 5 (free page reporting) set.
const BALLOON_REPORTING = '0110010100000000000000000000000010000000';
const BALLOON_PLAIN = '0110000100000000000000000000000010000000';
const NET = '1100010110111011000000000000010010000000';

describe('free page reporting (host facts)', () => {
  it('a balloon that negotiated it and an order that admits pages: on, with the order', () => {
    expect(
      freePageReporting(
        sysfs(
          [
            ['0x0001', NET],
            ['0x0005', BALLOON_REPORTING],
          ],
          '9',
        ),
      ),
    ).toEqual({ order: 9 });
  });
  it('off: a balloon without the feature, an order above the largest block (how it is switched off), no balloon, no virtio', () => {
    expect(freePageReporting(sysfs([['0x0005', BALLOON_PLAIN]], '9'))).toBeUndefined();
    expect(freePageReporting(sysfs([['0x0005', BALLOON_REPORTING]], '11'))).toBeUndefined();
    expect(freePageReporting(sysfs([['0x0001', BALLOON_REPORTING]], '9'))).toBeUndefined();
    expect(freePageReporting(sysfs([['0x0005', BALLOON_REPORTING]], null))).toBeUndefined();
    expect(freePageReporting(join(tmpdir(), 'cgbench-test-no-such-sysfs'))).toBeUndefined();
  });
});
