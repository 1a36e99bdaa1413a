// Tiny DOM helpers: every text goes in through textContent, never HTML.

type Attrs = Record<string, string | number>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  e.append(...children);
  return e;
}

const SVG = "http://www.w3.org/2000/svg";

export function svg(tag: string, attrs: Attrs = {}, ...children: (Node | string)[]): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  e.append(...children);
  return e;
}

export function table(head: string[], rows: (Node | string)[][], rowClass?: (i: number) => string): HTMLTableElement {
  const t = el("table");
  t.append(el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))));
  const body = el("tbody");
  rows.forEach((r, i) => {
    const tr = el("tr", rowClass ? { class: rowClass(i) } : {}, ...r.map((c) => el("td", {}, c)));
    body.append(tr);
  });
  t.append(body);
  return t;
}
