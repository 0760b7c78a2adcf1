// `cgbench doctor`: what this host can do for cgbench, and exactly what is missing.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { detectCgroups } from '../cgroup/detect.js';
import { resolveDiskTarget } from '../cgroup/disk.js';
import { isCgbenchError } from '../model/errors.js';
import { engineAddress, parseDockerInfo } from '../runtimes/docker.js';
import { nativeBinary, NATIVE_DIR } from '../workloads/registry.js';
import { defaultScratchDir } from './run.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

function tryExec(cmd: string, args: string[], timeoutMs = 5000): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return null;
  }
}

export function doctorChecks(scratchDir = defaultScratchDir(), dockerHost?: string): Check[] {
  const checks: Check[] = [];
  const root = process.getuid?.() === 0;
  checks.push({ name: 'root', ok: root, detail: root ? 'running as root' : `running as uid ${process.getuid?.()}`, fix: root ? undefined : 'run cgbench with sudo: creating cgroups and namespaces needs root' });
  const cg = detectCgroups();
  const modeText = cg.mode === 'hybrid' ? 'hybrid (v1 controllers, empty cgroup2 at ' + cg.v2Mount + ')' : cg.mode;
  checks.push({ name: 'cgroup mode', ok: true, detail: `${modeText}; cgbench uses the ${cg.driver} driver` });
  checks.push({
    name: 'controllers',
    ok: cg.missing.length === 0,
    detail: `usable: ${cg.controllers.join(', ') || 'none'}${cg.missing.length ? `; missing: ${cg.missing.join('; ')}` : ''}`,
    fix: cg.missing.length ? (cg.driver === 'v2' ? 'enable them in the parent cgroup.subtree_control (systemd: Delegate=yes)' : 'mount the missing v1 hierarchies') : undefined,
  });
  checks.push({ name: 'swap accounting', ok: true, detail: cg.swapAccounting ? 'available (memory+swap limits apply)' : 'not available: swap limits are ignored' });
  if (cg.driver === 'v2' && cg.v2Mount) {
    const psi = existsSync(join(cg.v2Mount, 'cpu.pressure'));
    checks.push({ name: 'PSI', ok: true, detail: psi ? 'pressure files present' : 'no pressure files (boot with psi=1 for PSI)' });
  }
  const cc = tryExec('cc', ['--version']);
  checks.push({ name: 'C compiler', ok: cc !== null, detail: cc ? (cc.split('\n')[0] ?? '') : 'cc not found', fix: cc ? undefined : 'install gcc (Debian: apt-get install -y gcc libc6-dev)' });
  const built = existsSync(nativeBinary('cgbench-launch'));
  checks.push({ name: 'native workloads', ok: built, detail: built ? `built in ${NATIVE_DIR}` : `not built (${NATIVE_DIR})`, fix: built ? undefined : 'run `npm run build`' });
  try {
    const d = resolveDiskTarget(scratchDir);
    checks.push({ name: 'IO scratch disk', ok: true, detail: `${scratchDir} on ${d.fsType}, disk ${d.diskName} (${d.major}:${d.minor}): IO throttles apply` });
  } catch (e) {
    checks.push({ name: 'IO scratch disk', ok: false, detail: isCgbenchError(e) ? e.message : String(e), fix: isCgbenchError(e) ? e.hint : undefined });
  }
  checks.push(dockerCheck(dockerHost));
  return checks;
}

/** Docker is optional (only --runtime docker needs it): client, engine, and what the engine is made of. */
export function dockerCheck(dockerHost?: string): Check {
  const bin = process.env.CGBENCH_DOCKER_CLI ?? 'docker';
  const hostArgs = dockerHost ? ['-H', dockerHost] : [];
  const where = engineAddress(dockerHost);
  const client = tryExec(bin, ['--version']);
  if (!client) {
    return { name: 'docker', ok: false, detail: 'docker client not installed (only needed for --runtime docker)', fix: 'scripts/docker-up.sh installs Debian\'s docker.io and starts a private engine' };
  }
  // `docker info` prints a client-only JSON and exits 1 when no engine answers.
  const info = parseDockerInfo(tryExec(bin, [...hostArgs, 'info', '--format', '{{json .}}'], 15_000) ?? '');
  if (!info) {
    return { name: 'docker', ok: false, detail: `${client}; no engine reachable at ${where}`, fix: 'start one: eval "$(scripts/docker-up.sh)"' };
  }
  return {
    name: 'docker',
    ok: true,
    detail: `${client}; engine ${info.version} at ${where}: storage driver ${info.storageDriver}, cgroup driver ${info.cgroupDriver}, cgroup v${info.cgroupVersion}`,
  };
}

export function renderChecks(checks: Check[]): string {
  return checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(17)} ${c.detail}${!c.ok && c.fix ? `\n     ${''.padEnd(17)} fix: ${c.fix}` : ''}`).join('\n');
}
