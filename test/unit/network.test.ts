// A service container's /30 is chosen clear of every route this host has: the pool's first free slot from a start.
import { describe, expect, it } from 'vitest';
import { dotted as dottedOf, freeSubnet } from '../../src/runtimes/docker/network.js';

const dotted = (n: number | null): string => (n === null ? 'none' : dottedOf(n));

describe('freeSubnet', () => {
  it('takes the starting slot when nothing overlaps it (a default route overlaps nothing)', () => {
    expect(dotted(freeSubnet(['default', '192.0.2.0/24', '127.0.0.0/8'], 0))).toBe('10.253.0.0');
    expect(dotted(freeSubnet([], 5))).toBe('10.253.0.20');
  });
  it('skips slots inside a route, a host address or a wider route, and wraps around the pool', () => {
    expect(dotted(freeSubnet(['10.253.0.0/30', '10.253.0.5'], 0))).toBe('10.253.0.8');
    expect(dotted(freeSubnet(['10.253.0.0/24'], 0))).toBe('10.253.1.0');
    expect(dotted(freeSubnet(['10.253.255.252/30'], (1 << 14) - 1))).toBe('10.253.0.0');
  });
  it('finds none when a route covers the whole pool', () => {
    expect(freeSubnet(['10.0.0.0/8'], 0)).toBeNull();
  });
});
