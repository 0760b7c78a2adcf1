// `npm run bench` (with bench/sampler.ts): the load generator (native/load.c) against Debian's wrk on the same
// unlimited nginx, started by this bench on loopback and stopped by its pid. nginx gets CPU 0, the client CPU
// 1 (one core each). Figures: requests/s in closed loop (as wrk runs), p50 at a fixed rate below saturation
// (wrk paced by a Lua delay, cgbench-load open loop at the rate wrk reached), and each client's CPU per 1,000
// requests (measured the same way for both: the shell's `times` for its child). Median of REPEATS, the tools
// interleaved so drift hits both. Leaves nothing behind, also when interrupted.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Table from 'cli-table3';
import { cpuPerThousandNs, generatorBottleneck, runFigures } from '../src/analysis/load.js';
import { sleep } from '../src/model/clock.js';
import { nativeBinary } from '../src/model/paths.js';
import { loadArgv, parseLoadReport } from '../src/programs/load.js';
import { freePort } from '../src/runtimes/service.js';

const REPEATS = 3;
const SECONDS = 5;
const CONNECTIONS = 50;
/** The fixed-rate test: few connections, each idle most of the time (wrk: 5 ms between answer and request). */
const PACED_CONNECTIONS = 10;
const PACED_DELAY_MS = 5;
const SERVER_CPU = '0';
const CLIENT_CPU = '1';

const children = new Set<ChildProcess>();

interface Measured {
  rps: number;
  p50Us?: number;
  p99Us?: number;
  /** The client's CPU (user + system) per 1,000 answered requests, ms. */
  cpuPer1kMs: number;
  note?: string;
}

/** On a shared machine, root raises the server and both clients alike above everyone else's work. */
const NICE = process.getuid?.() === 0 ? ['nice', '-n', '-10'] : [];

/** Runs `argv` pinned to the client CPU under bash, whose `times` then gives the child's CPU. */
function runClient(argv: string[]): Promise<{ stdout: string; cpuS: number }> {
  const script = 'taskset -c "$0" "$@"; rc=$?; times >&2; exit $rc';
  argv = [...NICE, ...argv];
  return new Promise((res, rej) => {
    const child = spawn('bash', ['-c', script, CLIENT_CPU, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => {
      children.delete(child);
      // `times`: the shell's user and system time, then its children's: "0m1.234s 0m0.567s"
      const lines = stderr.trim().split('\n');
      const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s/.exec(lines[lines.length - 1] ?? '');
      if (code !== 0 || !m) return rej(new Error(`${argv[0]} failed (exit ${code}): ${stderr.trim()}`));
      res({ stdout, cpuS: Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) });
    });
  });
}

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((res) => {
      const c = createConnection({ host: '127.0.0.1', port }, () => (c.end(), res(true)));
      c.on('error', () => res(false));
    });
    if (ok) return;
    await sleep(20);
  }
  throw new Error(`nginx did not accept connections on 127.0.0.1:${port} within ${deadlineMs} ms`);
}

/** CPU seconds a live process used so far (utime + stime from /proc). */
function processCpuS(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const hz = 100;
  return (Number(fields[11]) + Number(fields[12])) / hz;
}

function nginxConf(dir: string, port: number): string {
  return `daemon off; master_process off; worker_processes 1; pid ${dir}/nginx.pid; error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 1000000; keepalive_timeout 60s;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${port}; root ${dir}/www; location / { } }
}
`;
}

const WRK_DONE = `function done(summary, latency, requests)
  io.write(string.format("CGBENCH %d %d %d %d\\n", summary.requests, summary.duration, latency:percentile(50), latency:percentile(99)))
end
`;

function parseWrk(stdout: string, cpuS: number): Measured {
  const m = /CGBENCH (\d+) (\d+) (\d+) (\d+)/.exec(stdout);
  if (!m) throw new Error(`wrk printed no summary: ${stdout}`);
  const requests = Number(m[1]);
  return { rps: requests / (Number(m[2]) / 1e6), p50Us: Number(m[3]), p99Us: Number(m[4]), cpuPer1kMs: (cpuS * 1e6) / requests };
}

async function wrk(url: string, script: string, connections: number): Promise<Measured> {
  const r = await runClient(['wrk', '-t1', `-c${connections}`, `-d${SECONDS}s`, '-s', script, url]);
  return parseWrk(r.stdout, r.cpuS);
}

async function load(url: string, mode: 'closed' | { rate: number }, connections: number): Promise<Measured> {
  const args = loadArgv({
    target: { protocol: 'http', url },
    mode: mode === 'closed' ? 'closed' : 'open',
    rates: mode === 'closed' ? undefined : [mode.rate],
    connections,
    threads: 1,
    durationMs: SECONDS * 1000,
  });
  const r = await runClient([nativeBinary('cgbench-load'), ...args]);
  const report = parseLoadReport(r.stdout);
  if (!report) throw new Error(`cgbench-load printed no report: ${r.stdout.slice(0, 200)}`);
  const f = runFigures(report);
  if (f.errors) throw new Error(`cgbench-load saw ${f.errors} errors against nginx`);
  const own = cpuPerThousandNs(report);
  return {
    rps: f.throughputRps,
    p50Us: f.p50Ns !== undefined ? f.p50Ns / 1e3 : undefined,
    p99Us: f.p99Ns !== undefined ? f.p99Ns / 1e3 : undefined,
    cpuPer1kMs: (r.cpuS * 1e6) / f.ok,
    note: [`own cpu_ns per 1k: ${own !== undefined ? (own / 1e6).toFixed(2) : '-'} ms`, generatorBottleneck(report) ?? '']
      .filter(Boolean)
      .join('; '),
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const med = (ms: Measured[], k: 'rps' | 'p50Us' | 'p99Us' | 'cpuPer1kMs'): number => median(ms.map((m) => m[k] ?? NaN));

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const out = args.includes('--out') ? resolve(args[args.indexOf('--out') + 1] as string) : resolve('reports', 'bench');
  for (const [tool, pkg] of [
    ['nginx', 'nginx-light'],
    ['wrk', 'wrk'],
    ['taskset', 'util-linux'],
  ]) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is not installed: apt-get install -y ${pkg}`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'cgbench-bench-load-'));
  let nginx: ChildProcess | null = null;
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    for (const c of children) c.kill('SIGKILL');
    if (nginx?.pid && nginx.exitCode === null) {
      const gone = new Promise((r) => nginx?.once('exit', r));
      nginx.kill('SIGTERM');
      await Promise.race([gone, sleep(3000)]);
      if (nginx.exitCode === null) nginx.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: stopping nginx and the clients\n`);
      void cleanup().then(() => process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)));
    });
  const result: Record<string, unknown> = { date: new Date().toISOString(), seconds: SECONDS, repeats: REPEATS };
  try {
    const port = await freePort();
    mkdirSync(join(dir, 'www'));
    const page = ['/usr/share/nginx/html/index.html', '/var/www/html/index.nginx-debian.html'].find((p) => existsSync(p));
    if (page) copyFileSync(page, join(dir, 'www', 'index.html'));
    else writeFileSync(join(dir, 'www', 'index.html'), `<html>${'x'.repeat(600)}</html>\n`);
    writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, port));
    writeFileSync(join(dir, 'done.lua'), WRK_DONE);
    writeFileSync(join(dir, 'paced.lua'), `function delay() return ${PACED_DELAY_MS} end\n${WRK_DONE}`);
    nginx = spawn('taskset', ['-c', SERVER_CPU, ...NICE, 'nginx', '-p', dir, '-e', 'stderr', '-c', join(dir, 'nginx.conf')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitForPort(port, 5000);
    const url = `http://127.0.0.1:${port}/index.html`;
    const nginxPid = nginx.pid as number;

    const wrkMax: Measured[] = [];
    const loadMax: Measured[] = [];
    const nginxBusy: number[] = [];
    const wrkPaced: Measured[] = [];
    const loadPaced: Measured[] = [];
    for (let i = 0; i < REPEATS; i++) {
      process.stderr.write(`round ${i + 1}/${REPEATS}\n`);
      const c0 = processCpuS(nginxPid);
      wrkMax.push(await wrk(url, join(dir, 'done.lua'), CONNECTIONS));
      nginxBusy.push((processCpuS(nginxPid) - c0) / SECONDS);
      loadMax.push(await load(url, 'closed', CONNECTIONS));
      const paced = await wrk(url, join(dir, 'paced.lua'), PACED_CONNECTIONS);
      wrkPaced.push(paced);
      loadPaced.push(await load(url, { rate: Math.round(paced.rps) }, PACED_CONNECTIONS));
    }
    const t = new Table({ head: ['test', 'client', 'req/s', 'p50', 'p99', 'CPU per 1,000 req'], style: { head: [], border: [] } });
    const us = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(0)} µs` : '-');
    const row = (test: string, client: string, ms: Measured[]): void => {
      t.push([
        test,
        client,
        med(ms, 'rps').toFixed(0),
        us(med(ms, 'p50Us')),
        us(med(ms, 'p99Us')),
        `${med(ms, 'cpuPer1kMs').toFixed(2)} ms`,
      ]);
    };
    row(`closed loop, ${CONNECTIONS} conns`, 'wrk', wrkMax);
    row('', 'cgbench-load', loadMax);
    row(`fixed rate, ${PACED_CONNECTIONS} conns`, 'wrk (Lua delay)', wrkPaced);
    row('', 'cgbench-load (open loop)', loadPaced);
    const rpsRatio = med(loadMax, 'rps') / med(wrkMax, 'rps');
    const p50Ratio = med(loadPaced, 'p50Us') / med(wrkPaced, 'p50Us');
    const cpuRatio = med(loadMax, 'cpuPer1kMs') / med(wrkMax, 'cpuPer1kMs');
    const yes = (ok: boolean): string => (ok ? 'yes' : 'no');
    const cpu = (ms: Measured[]): string => `${med(ms, 'cpuPer1kMs').toFixed(2)} ms`;
    const p50Ok = Math.abs(p50Ratio - 1) <= 0.1;
    const goals = [
      `requests/s on one core, closed loop: ${rpsRatio.toFixed(2)}x wrk's (goal >= 0.8x): ${yes(rpsRatio >= 0.8)}`,
      `p50 at ${med(wrkPaced, 'rps').toFixed(0)} req/s: ${p50Ratio.toFixed(2)}x wrk's (goal within 10 %): ${yes(p50Ok)}`,
      `CPU per 1,000 requests at full speed: ${cpu(loadMax)} (wrk ${cpu(wrkMax)}, ${cpuRatio.toFixed(2)}x); ` +
        `at the fixed rate ${cpu(loadPaced)} (wrk ${cpu(wrkPaced)})`,
      `nginx (one process, CPU ${SERVER_CPU}) was ${(median(nginxBusy) * 100).toFixed(0)} % busy under wrk's closed loop` +
        (median(nginxBusy) > 0.9 ? ': the server, not the client, set the top speed' : ''),
    ];
    process.stdout.write(`nginx ${url} on CPU ${SERVER_CPU}, clients on CPU ${CLIENT_CPU}, ${SECONDS} s per run, median of ${REPEATS}\n`);
    process.stdout.write(`${t.toString()}\n${goals.join('\n')}\n`);
    const notes = [...loadMax, ...loadPaced].map((m) => m.note).filter(Boolean);
    if (notes.length) process.stdout.write(`cgbench-load: ${[...new Set(notes)].join(' | ')}\n`);
    Object.assign(result, { url, wrkMax, loadMax, wrkPaced, loadPaced, nginxBusy, goals });
  } finally {
    await cleanup();
  }
  mkdirSync(out, { recursive: true });
  const file = join(out, `load-${new Date().toISOString().replace(/[:.]/g, '')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`\nwritten: ${file}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
