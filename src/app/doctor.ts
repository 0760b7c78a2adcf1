// `cgbench doctor`: what this host can do for cgbench, and exactly what is missing.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { detectCgroups } from '../cgroup/detect.js';
import { openCgroups } from '../cgroup/index.js';
import { resolveDiskTarget } from '../cgroup/disk.js';
import { isCgbenchError } from '../model/errors.js';
import { NATIVE_DIR } from '../model/paths.js';
import { assertNativeBuilt } from '../programs/registry.js';
import { type DoctorCheck, RUNTIME_NAMES, RUNTIMES } from '../runtimes/registry.js';
import { isRoot } from '../cgroup/files.js';
import type { Style } from '../reporters/style.js';
import { terminalStyle } from './color.js';
import { defaultScratchDir, probeScratch } from './environment.js';
import { freePageReporting } from './host.js';
import { reportingIs, reportingOff } from '../model/page-reporting.js';
import { findStaleGroups, type StaleGroups, staleText } from './stale.js';

export type Check = DoctorCheck;

/** Checks whose failure does not stop the native runtime: a runtime's own check (only --runtime NAME needs
 *  it); leftovers of killed suites are removed by the next run (and `cgbench clean`). */
const OPTIONAL_CHECKS = new Set(['leftovers', ...RUNTIME_NAMES]);

/** How long a program asked for its version may take. */
const PROBE_TIMEOUT_MS = 5000;

/** First line a program prints for `args`; null when it is missing or fails. */
async function firstLine(cmd: string, args: string[], timeoutMs = PROBE_TIMEOUT_MS): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
    return stdout.trim().split('\n')[0] ?? '';
  } catch {
    return null;
  }
}

function cgroupChecks(): Check[] {
  const cg = detectCgroups();
  const modeText = cg.mode === 'hybrid' ? `hybrid (v1 controllers, empty cgroup2 at ${cg.v2Mount})` : cg.mode;
  const missingFix =
    cg.driver === 'v2' ? 'enable them in the parent cgroup.subtree_control (systemd: Delegate=yes)' : 'mount the missing v1 hierarchies';
  const checks: Check[] = [
    { name: 'cgroup mode', ok: true, detail: `${modeText}; cgbench uses the ${cg.driver} driver` },
    {
      name: 'controllers',
      ok: cg.missing.length === 0,
      detail: `usable: ${cg.controllers.join(', ') || 'none'}${cg.missing.length ? `; missing: ${cg.missing.join('; ')}` : ''}`,
      ...(cg.missing.length ? { fix: missingFix } : {}),
    },
    {
      name: 'swap accounting',
      ok: true,
      detail: cg.swapAccounting ? 'available (memory+swap limits apply)' : 'not available: swap limits are ignored',
    },
  ];
  if (cg.driver === 'v2' && cg.v2Mount) {
    const psi = existsSync(join(cg.v2Mount, 'cpu.pressure'));
    checks.push({ name: 'PSI', ok: true, detail: psi ? 'pressure files present' : 'no pressure files (boot with psi=1 for PSI)' });
  }
  return checks;
}

/** A check that failed with the error the command itself would stop with: its message and fix. */
function failed(name: string, e: unknown): Check {
  const check: Check = { name, ok: false, detail: isCgbenchError(e) ? e.message : String(e) };
  if (isCgbenchError(e) && e.hint) check.fix = e.hint;
  return check;
}

/** The same test `cgbench run` makes: every native program is built. */
function nativeCheck(): Check {
  try {
    assertNativeBuilt();
    return { name: 'native workloads', ok: true, detail: `built in ${NATIVE_DIR}` };
  } catch (e) {
    return failed('native workloads', e);
  }
}

async function scratchCheck(scratchDir: string): Promise<Check> {
  try {
    await probeScratch(scratchDir);
    const d = resolveDiskTarget(scratchDir);
    return {
      name: 'IO scratch disk',
      ok: true,
      detail: `${scratchDir} on ${d.fsType}, disk ${d.diskName} (${d.major}:${d.minor}): IO throttles apply`,
    };
  } catch (e) {
    return failed('IO scratch disk', e);
  }
}

export async function doctorChecks(scratchDir = defaultScratchDir(), dockerHost?: string): Promise<Check[]> {
  const root = isRoot();
  const checks: Check[] = [
    root
      ? { name: 'root', ok: true, detail: 'running as root' }
      : {
          name: 'root',
          ok: false,
          detail: `running as uid ${process.getuid?.()}`,
          fix: 'run cgbench with sudo: creating cgroups and namespaces needs root',
        },
    ...cgroupChecks(),
  ];
  const cc = await firstLine('cc', ['--version']);
  checks.push(
    cc !== null
      ? { name: 'C compiler', ok: true, detail: cc }
      : { name: 'C compiler', ok: false, detail: 'cc not found', fix: 'install gcc (Debian: apt-get install -y gcc libc6-dev)' },
  );
  checks.push(nativeCheck());
  checks.push(await scratchCheck(scratchDir));
  checks.push(leftoversCheck());
  checks.push(pageReportingCheck());
  for (const entry of Object.values(RUNTIMES)) if (entry.doctor) checks.push(await entry.doctor({ ...(dockerHost ? { dockerHost } : {}) }));
  return checks;
}

/** A VM that hands freed memory back to its hypervisor: what it does to memory workloads, and how to stop it. */
function pageReportingCheck(): Check {
  const r = freePageReporting();
  return {
    name: 'page reporting',
    ok: true,
    detail: r
      ? `${reportingIs(r)}; to measure without it, as root: ${reportingOff(r)}`
      : 'no free page reporting: freed memory stays with this kernel',
  };
}

/** Groups of cgbench processes that are gone (killed with SIGKILL): say so, and how to remove them. */
function leftoversCheck(): Check {
  let stale: StaleGroups;
  try {
    stale = findStaleGroups(openCgroups());
  } catch (e) {
    return { name: 'leftovers', ok: true, detail: `cannot look for leftover groups: ${(e as Error).message}` };
  }
  const text = staleText(stale, false);
  return text
    ? {
        name: 'leftovers',
        ok: false,
        detail: text,
        fix: 'run `cgbench clean` (the next `cgbench run` removes groups of dead cgbench processes too)',
      }
    : { name: 'leftovers', ok: true, detail: 'no groups left by killed cgbench processes' };
}

/** doctor's exit code: 1 when a check the native runtime needs failed. */
export function doctorExitCode(checks: Check[]): number {
  return checks.some((c) => !c.ok && !OPTIONAL_CHECKS.has(c.name)) ? 1 : 0;
}

export function renderChecks(checks: Check[], style: Style = terminalStyle()): string {
  return checks
    .map(
      (c) =>
        `${c.ok ? style.good('ok  ') : style.bad('FAIL')} ${c.name.padEnd(17)} ${c.detail}` +
        `${!c.ok && c.fix ? `\n     ${''.padEnd(17)} fix: ${c.fix}` : ''}`,
    )
    .join('\n');
}
