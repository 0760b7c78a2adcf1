// A swarm's nodes as cgbench uses them: the Ready and Active ones, each with its own engine's address (the
// node label cgbench.engine) and what that engine says about its host; and the workload image on each.

import { spawn } from 'node:child_process';
import { CgbenchError } from '../../model/errors.js';
import type { NodeInfo } from '../../model/types.js';
import { type DockerExec, dockerCli, dockerError, hostArgs } from '../docker/client.js';
import { DOCKER_TIMEOUTS } from '../docker/names.js';

/** The node label naming a node's own engine, through which its image is loaded and its containers seen. */
export const ENGINE_LABEL = 'cgbench.engine';

export interface SwarmNode {
  info: NodeInfo;
  /** The node's own engine (its cgbench.engine label). */
  engine: string;
}

export interface NodeJson {
  Spec?: { Labels?: Record<string, string>; Availability?: string };
  Status?: { State?: string };
  Description?: { Hostname?: string; Engine?: { EngineVersion?: string } };
}

type Json = Record<string, unknown>;
const text = (o: Json, k: string): string => (typeof o[k] === 'string' ? o[k] : '');
const count = (o: Json, k: string): number => (typeof o[k] === 'number' ? o[k] : 0);

/** The engine's "1" or "2" as a node's cgroup version. */
const cgroupVersionOf = (v: string): NodeInfo['cgroupVersion'] => (v === '1' ? 'v1' : v === '2' ? 'v2' : 'unknown');

/** A node's facts from `docker node inspect` (labels, hostname) and its engine's `docker info`. */
export function nodeInfoOf(node: NodeJson, info: Json): NodeInfo {
  return {
    hostname: node.Description?.Hostname ?? text(info, 'Name'),
    kernel: text(info, 'KernelVersion'),
    cgroupVersion: cgroupVersionOf(text(info, 'CgroupVersion')),
    cpuCount: count(info, 'NCPU'),
    memoryBytes: count(info, 'MemTotal'),
    engineVersion: node.Description?.Engine?.EngineVersion ?? text(info, 'ServerVersion'),
    labels: { ...(node.Spec?.Labels ?? {}) },
  };
}

/** The nodes a job may go to: Ready and Active. */
export function usableNodes(nodes: NodeJson[]): NodeJson[] {
  return nodes.filter((n) => n.Status?.State === 'ready' && n.Spec?.Availability === 'active');
}

function parseJson<T>(s: string): T | null {
  try {
    return JSON.parse(s) as T;
  } catch {
    return null;
  }
}

/** Every node of the swarm as `docker node inspect` describes it (E_DOCKER when the engine is no manager). */
export async function inspectNodes(manager: DockerExec): Promise<NodeJson[]> {
  const ids = await manager(['node', 'ls', '--quiet'], { timeoutMs: DOCKER_TIMEOUTS.query });
  const list = ids.stdout.split('\n').filter((l) => l.trim());
  if (ids.code !== 0 || !list.length) {
    const why = dockerError(ids.stderr) || 'it lists no nodes';
    const fix = 'point --docker-host at a manager (scripts/swarm-up.sh starts a test swarm)';
    throw new CgbenchError('E_DOCKER', `the engine is not a swarm manager: ${why}`, fix);
  }
  const res = await manager(['node', 'inspect', ...list], { timeoutMs: DOCKER_TIMEOUTS.query });
  return parseJson<NodeJson[]>(res.stdout) ?? [];
}

/** Every usable node with its engine; a node without the engine label is refused with the fix. */
export async function swarmNodes(manager: DockerExec, bin?: string): Promise<SwarmNode[]> {
  const out: SwarmNode[] = [];
  for (const node of usableNodes(await inspectNodes(manager))) {
    const hostname = node.Description?.Hostname ?? '?';
    const engine = node.Spec?.Labels?.[ENGINE_LABEL];
    if (!engine) {
      const fix = `docker node update --label-add ${ENGINE_LABEL}=tcp://ADDR:2375 ${hostname} (cgbench loads its image through it)`;
      throw new CgbenchError('E_DOCKER', `swarm node ${hostname} has no ${ENGINE_LABEL} label naming its engine`, fix);
    }
    const res = await dockerCli(engine, bin)(['info', '--format', '{{json .}}'], { timeoutMs: DOCKER_TIMEOUTS.query });
    const info = res.code === 0 ? parseJson<Json>(res.stdout) : null;
    if (!info) throw new CgbenchError('E_DOCKER', `the engine of node ${hostname} (${engine}) does not answer: ${dockerError(res.stderr)}`);
    out.push({ info: nodeInfoOf(node, info), engine });
  }
  if (!out.length) throw new CgbenchError('E_DOCKER', 'the swarm has no Ready, Active node', 'see `docker node ls`');
  return out;
}

/** The image's ID on an engine, or null when it has none by that tag. */
export async function imageId(docker: DockerExec, tag: string): Promise<string | null> {
  const res = await docker(['image', 'inspect', '--format', '{{.Id}}', tag]);
  return res.code === 0 ? res.stdout.trim() : null;
}

/** `docker save` on one engine piped into `docker load` on another: the same image, the same ID. */
function copyImage(bin: string, from: string | undefined, to: string, tag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const save = spawn(bin, [...hostArgs(from), 'save', tag], { stdio: ['ignore', 'pipe', 'pipe'] });
    const load = spawn(bin, [...hostArgs(to), 'load', '--quiet'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    save.stderr.on('data', (d: Buffer) => (err += d.toString()));
    load.stderr.on('data', (d: Buffer) => (err += d.toString()));
    save.stdout.pipe(load.stdin);
    save.on('error', reject);
    load.on('error', reject);
    load.on('close', (code) => (code === 0 ? resolve() : reject(new Error(dockerError(err) || `docker load exited ${code}`))));
  });
}

/** Loads the manager's image into every node that lacks it or has another image by that tag. */
export async function distributeImage(opts: { bin: string; manager?: string; tag: string; nodes: SwarmNode[] }): Promise<void> {
  const want = await imageId(dockerCli(opts.manager, opts.bin), opts.tag);
  if (!want) throw new CgbenchError('E_DOCKER', `the manager has no image ${opts.tag}`);
  for (const node of opts.nodes) {
    const docker = dockerCli(node.engine, opts.bin);
    if ((await imageId(docker, opts.tag)) === want) continue;
    try {
      await copyImage(opts.bin, opts.manager, node.engine, opts.tag);
    } catch (e) {
      throw new CgbenchError('E_DOCKER', `could not load ${opts.tag} into node ${node.info.hostname}: ${(e as Error).message}`);
    }
    const got = await imageId(docker, opts.tag);
    if (got !== want) {
      throw new CgbenchError('E_DOCKER', `node ${node.info.hostname} has ${opts.tag} as ${got ?? 'nothing'} after loading ${want}`);
    }
  }
}
