// Which nodes of a cluster runtime may run a cell, and the order cells go to free nodes (longest first). Pure:
// a cell keeps the node it got for all its runs (its runs stay comparable), each node runs one run at a time.

import type { Cell, NodeInfo, Placement, Scenario } from '../model/types.js';

/** The cell's placement: its workload's, else the scenario's; undefined means any node. */
export function placementOf(cell: Cell, s: Scenario): Placement | undefined {
  return s.workloads.find((w) => w.name === cell.workload)?.placement ?? s.placement;
}

/** "key" (the label is set) or "key=value" (set to that value). */
function hasLabel(node: NodeInfo, label: string): boolean {
  const at = label.indexOf('=');
  const labels = node.labels ?? {};
  if (at === -1) return label in labels;
  return labels[label.slice(0, at)] === label.slice(at + 1);
}

export function nodeMatches(node: NodeInfo, p: Placement | undefined): boolean {
  if (p?.node !== undefined && node.hostname !== p.node) return false;
  if (p?.label !== undefined && !hasLabel(node, p.label)) return false;
  return true;
}

export function placementText(p: Placement): string {
  return [p.node !== undefined ? `node ${p.node}` : '', p.label !== undefined ? `label ${p.label}` : ''].filter(Boolean).join(' and ');
}

/** A placement no node meets: the problem, naming the nodes there are. */
export function placementProblem(nodes: readonly NodeInfo[], p: Placement | undefined): string | null {
  if (nodes.some((n) => nodeMatches(n, p))) return null;
  const names = nodes.map((n) => n.hostname).join(', ');
  return `no node matches placement ${placementText(p ?? {})} (the nodes: ${names}; change placement or label a node)`;
}

/**
 * The next cell for a free node: the first waiting cell pinned to exactly this node, else the first it may
 * run, so a pinned cell is never starved by spread cells its node took first. Removes it from `waiting`.
 */
export function takeCell<T>(waiting: T[], node: NodeInfo, placement: (c: T) => Placement | undefined): T | undefined {
  let at = waiting.findIndex((c) => placement(c)?.node === node.hostname);
  if (at === -1) at = waiting.findIndex((c) => nodeMatches(node, placement(c)));
  return at === -1 ? undefined : waiting.splice(at, 1)[0];
}

/**
 * Waiting cells, the longest expected first: a long cell taken last would leave the other nodes idle while
 * it runs. A baseline ranks with the longest of its waiting limited cells (and before them on a tie), so it
 * still runs before them: their estimates scale its measured runs. Stable for equal estimates.
 */
export function longestFirst<T extends Pick<Cell, 'id' | 'baselineId'>>(waiting: readonly T[], expectedMs: (c: T) => number): T[] {
  const own = new Map(waiting.map((c) => [c.id, expectedMs(c)]));
  const rank = new Map(own);
  for (const c of waiting) {
    if (c.baselineId === null || !rank.has(c.baselineId)) continue;
    rank.set(c.baselineId, Math.max(rank.get(c.baselineId) ?? 0, own.get(c.id) ?? 0));
  }
  const order = waiting.map((c, i) => ({ c, i, ms: rank.get(c.id) ?? 0, base: c.baselineId === null ? 0 : 1 }));
  order.sort((a, b) => b.ms - a.ms || a.base - b.base || a.i - b.i);
  return order.map((o) => o.c);
}

/** takeCell over the waiting cells ordered longest first (pinned cells still go first to their node). */
export function takeLongestCell<T extends Pick<Cell, 'id' | 'baselineId'>>(
  waiting: T[],
  node: NodeInfo,
  placement: (c: T) => Placement | undefined,
  expectedMs: (c: T) => number,
): T | undefined {
  const cell = takeCell(longestFirst(waiting, expectedMs), node, placement);
  if (cell) waiting.splice(waiting.indexOf(cell), 1);
  return cell;
}
