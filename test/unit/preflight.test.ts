// What preflight refuses before the first run, and how often it says it: a refusal that holds for a workload on a
// runtime whatever the limits is one line for the workload, not one per limit set.
import { describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtimes/runtime.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { expandCells } from '../../src/scheduler/cells.js';
import { preflight } from '../../src/scheduler/preflight.js';

/** What preflight reads of a runtime: its name and what it can run (no launch is made). */
const swarmLike = { name: 'swarm', services: false, images: false, knownServers: false, neighbours: false } as unknown as Runtime;
const dockerLike = { name: 'docker', services: true, images: true, knownServers: false, neighbours: true } as unknown as Runtime;

async function problems(raw: unknown, runtimes: Partial<Record<string, Runtime>>): Promise<string> {
  const scenario = validateScenario(raw, 's.yaml');
  const cells = expandCells(scenario);
  try {
    await preflight({ scenario, cells, resolved: new Map(cells.map((c) => [c.id, {}])), runtimes });
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

const limits = [{ name: 'unlimited' }, { name: 'half', cpus: 0.5 }, { name: 'tenth', cpus: 0.1 }];

describe('preflight', () => {
  it('says a service on a runtime that cannot drive one once per workload, whatever its limit sets', async () => {
    const raw = {
      name: 's',
      runtimes: ['swarm'],
      workloads: [{ name: 'web', kind: 'service', command: ['/bin/true'], params: { port: 8080 }, limits }],
    };
    const message = await problems(raw, { swarm: swarmLike });
    expect(message).toContain('workload "web" (swarm): a service runs on the native, docker and podman runtimes');
    expect(message.split('a service runs on')).toHaveLength(2);
  });

  it('says server: on a runtime that runs no known servers once, and a neighbour set once per set', async () => {
    const server = { name: 's', runtimes: ['docker'], workloads: [{ name: 'web', kind: 'service', server: 'nginx', limits }] };
    const message = await problems(server, { docker: dockerLike });
    expect(message).toMatch(/^cannot run s\.yaml, checked before the first run: workload "web" \(docker\): server: nginx runs/);
    expect(message.split('server: nginx runs')).toHaveLength(2);
    const neighbours = {
      name: 'n',
      runtimes: ['swarm'],
      workloads: [
        {
          name: 'loop',
          kind: 'cpu',
          limits,
          neighbours: [
            { name: 'noisy', run: [{ kind: 'cpu' }] },
            { name: 'quiet', run: [{ kind: 'cpu' }] },
          ],
        },
      ],
    };
    const lines = (await problems(neighbours, { swarm: swarmLike }))
      .split('\n')
      .filter((l) => l.includes('needs a runtime that runs neighbours'));
    expect(lines.map((l) => l.trim().replace(/: needs.*/, ''))).toEqual([
      'workload "loop" (swarm), neighbour set "noisy"',
      'workload "loop" (swarm), neighbour set "quiet"',
    ]);
  });
});
