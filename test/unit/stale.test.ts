// What a killed cgbench leaves behind: groups named after their owner's pid, found when that pid is
// gone, and a document saying `running` shown as unfinished once its writer is gone.
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { currentWriter, findStaleGroups, markUnfinished, staleText, writerGone } from '../../src/app/stale.js';
import type { CgroupSystem } from '../../src/cgroup/index.js';
import { ownerPid, suiteIdFor } from '../../src/model/owner.js';
import type { ResultDocument } from '../../src/model/types.js';
import { renderMarkdown } from '../../src/reporters/markdown.js';
import { renderTable } from '../../src/reporters/table.js';
import { buildDocument } from '../fixtures/docs/build.js';

/** A pid that existed a moment ago and is gone now. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid;
}

describe('owners', () => {
  it('a suite id carries its pid, and group and container names give it back', () => {
    const id = suiteIdFor(4321, 'a1b2c3');
    expect(id).toBe('p4321-a1b2c3');
    expect(ownerPid(`${id}-c0-r1`)).toBe(4321);
    expect(ownerPid(`cgbench-${id}-c3-r0`)).toBe(4321);
    expect(ownerPid('1a2b3c-c0-r1')).toBeNull();
    expect(ownerPid('itcpu-c0-r0')).toBeNull();
  });

  it('groups of a gone cgbench are stale; a live one`s and unowned busy ones are not', () => {
    const dead = deadPid();
    const names = [`p${dead}-aaaaaa-c0-r0`, `p${process.pid}-bbbbbb-c0-r0`, 'cccccc-c0-r0', 'dddddd-c1-r0'];
    const busy = new Set(['dddddd-c1-r0']);
    const fake = { leftovers: () => names, pidsIn: (n: string) => (busy.has(n) ? [1] : []) } as unknown as CgroupSystem;
    const stale = findStaleGroups(fake);
    expect(stale).toEqual({ dead: [`p${dead}-aaaaaa-c0-r0`], owners: [dead], unowned: ['cccccc-c0-r0'] });
    expect(staleText(stale, true)).toBe(
      `removed 1 group(s) left by cgbench pid(s) ${dead}, which is gone: p${dead}-aaaaaa-c0-r0; 1 empty group(s) of an older cgbench: cccccc-c0-r0`,
    );
  });
});

describe('a document whose writer is gone', () => {
  async function running(writer: ResultDocument['writer'], createdAt = new Date().toISOString()): Promise<ResultDocument> {
    const doc = await buildDocument({ samples: false, hostileNames: false });
    doc.status = 'running';
    doc.finishedAt = null;
    doc.createdAt = createdAt;
    if (writer) doc.writer = writer;
    else delete doc.writer;
    return doc;
  }

  it('is unfinished, with a warning saying why, in every reporter', async () => {
    const here = currentWriter();
    const doc = markUnfinished(await running({ ...here, pid: deadPid() }));
    expect(doc.status).toBe('unfinished');
    const w = doc.warnings.at(-1);
    expect(w?.code).toBe('unfinished');
    expect(w?.message).toMatch(
      /^the suite never finished: its writer \(pid \d+ on .+\) is gone \(killed\?\); the \d+ run\(s\) it saved are shown$/,
    );
    expect(renderTable(doc)).toContain('partial results: the suite is unfinished');
    expect(renderMarkdown(doc)).toContain('## cgbench: fixture (unfinished)');
  });

  it('is still running while its writer lives, and cannot be judged from another host', async () => {
    expect(markUnfinished(await running(currentWriter())).status).toBe('running');
    expect(markUnfinished(await running({ pid: deadPid(), hostname: `not-${hostname()}` })).status).toBe('running');
    expect(markUnfinished(await running(undefined)).status).toBe('running');
  });

  it('is gone after a reboot, and when its pid now belongs to a younger process', () => {
    const here = currentWriter();
    if (here.bootId)
      expect(writerGone({ writer: { ...here, bootId: 'another-boot' }, createdAt: new Date().toISOString() })).toMatch(
        /before the last reboot/,
      );
    // This process started long after 1970: the document's pid cannot be its writer.
    expect(writerGone({ writer: here, createdAt: '1970-01-02T00:00:00Z' })).toMatch(/the pid is another process's now/);
  });
});
