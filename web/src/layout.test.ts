import { describe, expect, it } from "vitest";
import { COLUMN, layers, layout } from "./layout";

describe("layers", () => {
  it("puts callers left of what they call", () => {
    const d = layers(
      ["unknown", "svc:productpage", "wl:productpage-v1", "svc:reviews", "wl:reviews-v1", "wl:reviews-v2"],
      [
        { source: "unknown", target: "svc:productpage" },
        { source: "svc:productpage", target: "wl:productpage-v1" },
        { source: "wl:productpage-v1", target: "svc:reviews" },
        { source: "svc:reviews", target: "wl:reviews-v1" },
        { source: "svc:reviews", target: "wl:reviews-v2" },
      ],
    );
    expect(Object.fromEntries(d)).toEqual({
      unknown: 0,
      "svc:productpage": 1,
      "wl:productpage-v1": 2,
      "svc:reviews": 3,
      "wl:reviews-v1": 4,
      "wl:reviews-v2": 4,
    });
  });

  it("survives cycles", () => {
    const d = layers(["a", "b"], [
      { source: "a", target: "b" },
      { source: "b", target: "a" },
    ]);
    expect(d.size).toBe(2);
  });
});

describe("layout", () => {
  it("spreads a column's nodes apart and columns by COLUMN", () => {
    const l = layout(["a", "b", "c"], [
      { source: "a", target: "b" },
      { source: "a", target: "c" },
    ]);
    const a = l.nodes.get("a")!, b = l.nodes.get("b")!, c = l.nodes.get("c")!;
    expect(b.x - a.x).toBe(COLUMN);
    expect(b.x).toBe(c.x);
    expect(b.y).not.toBe(c.y);
    expect(l.width).toBeGreaterThan(b.x);
  });
});
