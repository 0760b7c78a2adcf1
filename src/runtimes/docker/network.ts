// A service container's network: the engine gives it its own namespace with loopback only (--network none);
// cgbench joins it to this host by a veth pair with a private /30 that clashes with no route here and no default
// route, so the load generator reaches the server at one address and the server reaches nothing beyond this host.
// Made with iproute2 once the container runs; the pair goes with the container's namespace.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** The pool the /30s come from (10.253.0.0/16: 16,384 of them). */
const POOL_BASE = (10 << 24) | (253 << 16);
const POOL_SLOTS = 1 << 14;
/** The host side's interface names: cgb, this process's pid and a counter, both base 36 (15 bytes at most). */
export const VETH_PREFIX = 'cgb';

const run = promisify(execFile);

async function ip(args: string[], netnsOf?: number): Promise<string> {
  // Inside the container's namespace: nsenter by its process's pid (the namespace has no name under /var/run/netns).
  const [bin, argv] = netnsOf === undefined ? ['ip', args] : ['nsenter', [`--net=/proc/${netnsOf}/ns/net`, 'ip', ...args]];
  try {
    return (await run(bin, argv, { encoding: 'utf8', timeout: 10_000 })).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${(err.stderr ?? err.message).trim()}`, { cause: e });
  }
}

/** An IPv4 address as a 32-bit number, in dotted form. */
export const dotted = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

function parseCidr(dst: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(dst);
  if (!m) return null;
  const addr = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  return [addr, m[5] === undefined ? 32 : Number(m[5])];
}

const overlaps = (a: [number, number], b: [number, number]): boolean => {
  const bits = Math.min(a[1], b[1]);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (a[0] & mask) >>> 0 === (b[0] & mask) >>> 0;
};

/** The first /30 of the pool, from slot `start` on, that overlaps none of `taken` (every route's destination
 *  here; a default route overlaps nothing), or null. */
export function freeSubnet(taken: string[], start: number): number | null {
  const used = taken.map(parseCidr).filter((c): c is [number, number] => c !== null && c[1] > 0);
  for (let i = 0; i < POOL_SLOTS; i++) {
    const net = (POOL_BASE + ((start + i) % POOL_SLOTS) * 4) >>> 0;
    if (!used.some((u) => overlaps(u, [net, 30]))) return net;
  }
  return null;
}

let made = 0;

/** Links the network namespace of a running container's process `pid` to this host: a veth pair addressed from a
 *  free /30, loopback up inside. The server's address (the container side). On a failure the pair is removed. */
export async function linkContainerNetwork(pid: number): Promise<string> {
  const hostIf = `${VETH_PREFIX}${process.pid.toString(36)}-${(made++ % 1296).toString(36)}`;
  const routes = JSON.parse(await ip(['-j', '-4', 'route', 'show', 'table', 'all'])) as { dst?: string }[];
  const net = freeSubnet(
    routes.map((r) => r.dst ?? ''),
    (process.pid * 31 + made) % POOL_SLOTS,
  );
  if (net === null) throw new Error('no free /30 in 10.253.0.0/16 for the service container (every one overlaps a route here)');
  const hostAddress = dotted(net + 1);
  const serverAddress = dotted(net + 2);
  await ip(['link', 'set', 'lo', 'up'], pid);
  await ip(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(pid)]);
  try {
    await ip(['addr', 'add', `${hostAddress}/30`, 'dev', hostIf]);
    await ip(['link', 'set', hostIf, 'up']);
    await ip(['addr', 'add', `${serverAddress}/30`, 'dev', 'eth0'], pid);
    await ip(['link', 'set', 'eth0', 'up'], pid);
  } catch (e) {
    await ip(['link', 'del', hostIf]).catch(() => undefined);
    throw e;
  }
  return serverAddress;
}
