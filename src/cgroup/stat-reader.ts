// The one reader of a group's stat files: files opened once and re-read in place (pread at offset 0),
// parsed into a normalised Reading. The sampler keeps one open per run; a single reading opens and closes.

import { closeSync, openSync, readSync } from 'node:fs';
import { monotonicNs } from '../model/clock.js';
import type { Reading } from '../model/types.js';
import { readingFromV1, readingFromV2 } from './reading.js';

export class StatReader {
  private readonly fds: [string, number][] = [];
  private readonly buf = Buffer.alloc(64 * 1024);
  private readonly toReading: (tNs: number, files: Record<string, string | undefined>) => Reading;

  constructor(statFiles: Record<string, string>, driver: 'v1' | 'v2') {
    for (const [key, path] of Object.entries(statFiles)) {
      try {
        this.fds.push([key, openSync(path, 'r')]);
      } catch {
        // Absent on this kernel (e.g. memory.peak before 5.19, PSI off): simply not read.
      }
    }
    this.toReading = driver === 'v1' ? readingFromV1 : readingFromV2;
  }

  read(): Reading {
    const texts: Record<string, string | undefined> = {};
    const tNs = monotonicNs();
    for (const [key, fd] of this.fds) {
      try {
        const n = readSync(fd, this.buf, 0, this.buf.length, 0);
        texts[key] = this.buf.toString('latin1', 0, n);
      } catch {
        // The group vanished (container exited): keep what the other files say.
      }
    }
    return this.toReading(tNs, texts);
  }

  close(): void {
    for (const [, fd] of this.fds) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    this.fds.length = 0;
  }
}

/** One reading of a group's stat files now. */
export function readStatFiles(statFiles: Record<string, string>, driver: 'v1' | 'v2'): Reading {
  const reader = new StatReader(statFiles, driver);
  try {
    return reader.read();
  } finally {
    reader.close();
  }
}
