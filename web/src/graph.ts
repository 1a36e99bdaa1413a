import type { Graph } from "./api";
import { edgeLabel, edgeLines, health, percent } from "./format";
import { layout } from "./layout";
import { svg } from "./dom";

const NODE_W = 150;
const NODE_H = 44;

// renderGraph draws the topology as an SVG: workloads as boxes, services as
// pills, the caller outside the mesh as a circle; each edge carries its
// request rate, error rate and p90 latency.
export function renderGraph(g: Graph): SVGElement {
  const l = layout(
    g.nodes.map((n) => n.id),
    g.edges,
  );
  const root = svg("svg", {
    class: "topology",
    width: l.width,
    height: l.height,
    viewBox: `0 0 ${l.width} ${l.height}`,
    role: "img",
    "aria-label": "service topology",
  });
  const defs = svg("defs");
  for (const kind of ["ok", "warn", "bad"]) {
    defs.append(
      svg(
        "marker",
        { id: `arrow-${kind}`, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" },
        svg("path", { d: "M0,0 L10,5 L0,10 z", class: `arrowhead ${kind}` }),
      ),
    );
  }
  root.append(defs);

  const kinds = new Map(g.nodes.map((n) => [n.id, n.kind]));
  const half = (id: string) => (kinds.get(id) === "unknown" ? NODE_H / 2 : NODE_W / 2);
  const edges = svg("g", { class: "edges" });
  for (const e of g.edges) {
    const a = l.nodes.get(e.source);
    const b = l.nodes.get(e.target);
    if (!a || !b) continue;
    const kind = health(e);
    const x1 = a.x + half(e.source);
    const x2 = b.x - half(e.target);
    const mx = (x1 + x2) / 2;
    const path = svg("path", {
      d: `M${x1},${a.y} C${mx},${a.y} ${mx},${b.y} ${x2},${b.y}`,
      class: `edge ${kind}`,
      "marker-end": `url(#arrow-${kind})`,
    });
    const [top, bottom] = edgeLines(e);
    const label = svg(
      "text",
      { x: mx, y: (a.y + b.y) / 2 - 17, class: `edge-label ${kind}`, "text-anchor": "middle" },
      svg("tspan", { x: mx, dy: 0 }, top),
      svg("tspan", { x: mx, dy: 12 }, bottom),
    );
    edges.append(
      svg(
        "g",
        { class: "edge-group", "data-edge": `${e.source}->${e.target}` },
        svg("title", {}, `${e.source} → ${e.target}: ${edgeLabel(e)}, ${e.requests} requests, ${percent(e.deniedRate)} denied`),
        path,
        label,
      ),
    );
  }
  root.append(edges);

  const nodes = svg("g", { class: "nodes" });
  for (const n of g.nodes) {
    const p = l.nodes.get(n.id);
    if (!p) continue;
    const group = svg("g", { class: `node ${n.kind}`, "data-node": n.id, transform: `translate(${p.x},${p.y})` });
    if (n.kind === "unknown") {
      group.append(svg("circle", { r: NODE_H / 2 }));
    } else {
      const rx = n.kind === "service" ? NODE_H / 2 : 6;
      group.append(svg("rect", { x: -NODE_W / 2, y: -NODE_H / 2, width: NODE_W, height: NODE_H, rx }));
    }
    const name = n.kind === "service" ? n.name.split(".")[0] : n.name;
    group.append(svg("text", { class: "node-name", "text-anchor": "middle", y: n.namespace ? -2 : 5 }, name));
    if (n.namespace) {
      group.append(svg("text", { class: "node-ns", "text-anchor": "middle", y: 13 }, `${n.kind} · ${n.namespace}`));
    }
    group.append(svg("title", {}, n.kind === "service" ? n.name : `${n.kind} ${n.name}`));
    nodes.append(group);
  }
  root.append(nodes);
  return root;
}
