// Number formatting for edge labels and tables.

export function rate(rps: number): string {
  if (rps === 0) return "0 rps";
  if (rps < 0.1) return `${rps.toFixed(3)} rps`;
  if (rps < 10) return `${rps.toFixed(1)} rps`;
  return `${Math.round(rps)} rps`;
}

export function percent(fraction: number): string {
  if (fraction === 0) return "0%";
  const p = fraction * 100;
  return p < 1 ? `${p.toFixed(2)}%` : `${p.toFixed(1)}%`;
}

export function millis(ms: number | null): string {
  if (ms === null) return "p90 –";
  return ms < 10 ? `p90 ${ms.toFixed(1)} ms` : `p90 ${Math.round(ms)} ms`;
}

// edgeLabel is what the graph writes on an edge.
type EdgeNumbers = { rps: number; errorRate: number; deniedRate: number; p90Ms: number | null };

// edgeLines is the label in two short lines (edges can be short); denials
// are shown only when there are any.
export function edgeLines(e: EdgeNumbers): [string, string] {
  const denied = e.deniedRate > 0 ? `${percent(e.deniedRate)} denied · ` : "";
  return [`${rate(e.rps)} · ${percent(e.errorRate)} err`, `${denied}${millis(e.p90Ms)}`];
}

export function edgeLabel(e: EdgeNumbers): string {
  return edgeLines(e).join(" · ");
}

// health classifies an edge for its colour: errors above 5% are bad, any
// errors or denials are a warning.
export function health(e: { errorRate: number; deniedRate: number }): "ok" | "warn" | "bad" {
  if (e.errorRate > 0.05) return "bad";
  if (e.errorRate > 0 || e.deniedRate > 0) return "warn";
  return "ok";
}

export function shortDigest(d: string | undefined): string {
  if (!d) return "";
  const hex = d.replace(/^sha256:/, "");
  return `sha256:${hex.slice(0, 12)}`;
}
