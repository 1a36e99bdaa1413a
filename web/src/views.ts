import type { Decision, ProxyStatus, ServiceConfig } from "./api";
import { el, table } from "./dom";
import { shortDigest } from "./format";

export function renderDecisions(ds: Decision[]): HTMLElement {
  if (ds.length === 0) return el("p", { class: "empty" }, "No requests reported yet.");
  return table(
    ["time", "decision", "code", "principal", "source", "destination", "request", "reason"],
    ds.map((d) => [
      new Date(d.time).toLocaleTimeString(),
      el("span", { class: `badge ${d.decision}` }, d.decision),
      String(d.code),
      d.principal || "–",
      d.source,
      d.service || d.destination,
      `${d.method ?? ""} ${d.path ?? ""}`.trim(),
      d.reason || "–",
    ]),
    (i) => `decision ${ds[i].decision}`,
  );
}

function typeName(url: string): string {
  return url.replace(/^type\.googleapis\.com\/envoy\.config\.|^type\.googleapis\.com\//, "");
}

export function renderProxies(ps: ProxyStatus[]): HTMLElement {
  if (ps.length === 0) return el("p", { class: "empty" }, "No proxies connected.");
  const rows: (Node | string)[][] = [];
  const classes: string[] = [];
  for (const p of ps) {
    for (const t of p.types.length ? p.types : [null]) {
      const synced = t !== null && t.acked === t.sent && !t.nackReason;
      const state = !p.connected ? "disconnected" : t === null ? "no resources" : t.nackReason ? "NACKED" : synced ? "SYNCED" : "STALE";
      classes.push(!p.connected || t?.nackReason ? "bad" : synced ? "ok" : "warn");
      rows.push([
        p.id,
        p.workload ? `${p.workload}.${p.namespace ?? ""}` : "–",
        t ? typeName(t.typeUrl) : "–",
        el("span", { class: "badge" }, state),
        t?.sent || "–",
        t?.acked || "–",
        t?.nackReason || "",
      ]);
    }
  }
  return table(["proxy", "workload", "type", "state", "sent", "acked", "NACK reason"], rows, (i) => `proxy ${classes[i]}`);
}

export function renderConfig(cs: ServiceConfig[]): HTMLElement {
  if (cs.length === 0) return el("p", { class: "empty" }, "No services configured.");
  const list = el("div", { class: "config-list" });
  for (const c of cs) {
    const card = el("article", { class: "service-config", "data-service": c.service }, el("h3", {}, c.service));
    const routes = c.routes ?? [];
    card.append(el("h4", {}, "Routes"));
    card.append(
      routes.length
        ? el("ul", {}, ...routes.map((r) => el("li", {}, `${r.name ? r.name + ": " : ""}${r.match || "any"} → ${(r.destinations ?? []).join(", ")}`)))
        : el("p", { class: "empty" }, "default route"),
    );
    const policies = c.policies ?? [];
    card.append(el("h4", {}, "Policies"));
    card.append(
      policies.length
        ? el(
            "ul",
            {},
            ...policies.map((p) =>
              el("li", {}, `${p.kind} ${p.name}${p.action ? ` (${p.action})` : ""} `, el("code", { title: p.digest ?? "" }, shortDigest(p.digest))),
            ),
          )
        : el("p", { class: "empty" }, "none"),
    );
    const filters = c.filters ?? [];
    card.append(el("h4", {}, "Wasm filters"));
    card.append(
      filters.length
        ? el(
            "ul",
            {},
            ...filters.map((f) => el("li", {}, `${f.name}${f.phase ? ` [${f.phase}]` : ""} `, el("code", { title: f.digest }, shortDigest(f.digest)))),
          )
        : el("p", { class: "empty" }, "none"),
    );
    list.append(card);
  }
  return list;
}
