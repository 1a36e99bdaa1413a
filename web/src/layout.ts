// A layered left-to-right layout: callers left, the services they call to
// the right, the workloads serving them further right.

export interface Placed {
  id: string;
  x: number;
  y: number;
}

export interface Layout {
  nodes: Map<string, Placed>;
  width: number;
  height: number;
}

export const COLUMN = 300;
export const ROW = 90;
export const MARGIN = 100;

// layers assigns each node the length of the longest path reaching it from
// a node without callers; cycles are broken by ignoring edges back to a node
// on the current path.
export function layers(ids: string[], edges: { source: string; target: string }[]): Map<string, number> {
  const out = new Map<string, number>();
  const incoming = new Map<string, string[]>();
  for (const id of ids) incoming.set(id, []);
  for (const e of edges) {
    if (e.source !== e.target) incoming.get(e.target)?.push(e.source);
  }
  const onPath = new Set<string>();
  const depth = (id: string): number => {
    const known = out.get(id);
    if (known !== undefined) return known;
    onPath.add(id);
    let d = 0;
    for (const from of incoming.get(id) ?? []) {
      if (!onPath.has(from)) d = Math.max(d, depth(from) + 1);
    }
    onPath.delete(id);
    out.set(id, d);
    return d;
  };
  for (const id of ids) depth(id);
  return out;
}

export function layout(ids: string[], edges: { source: string; target: string }[]): Layout {
  const depth = layers(ids, edges);
  const columns: string[][] = [];
  for (const id of [...ids].sort()) {
    const d = depth.get(id) ?? 0;
    (columns[d] ??= []).push(id);
  }
  const tallest = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  const height = MARGIN * 2 + (tallest - 1) * ROW;
  const nodes = new Map<string, Placed>();
  columns.forEach((col, c) => {
    const top = (height - (col.length - 1) * ROW) / 2;
    col.forEach((id, r) => nodes.set(id, { id, x: MARGIN + c * COLUMN, y: top + r * ROW }));
  });
  return { nodes, width: MARGIN * 2 + Math.max(0, columns.length - 1) * COLUMN, height };
}
