import { describe, expect, it } from "vitest";
import { edgeLabel, health, shortDigest } from "./format";

describe("format", () => {
  it("labels an edge with rate, error rate and p90", () => {
    expect(edgeLabel({ rps: 12.34, errorRate: 0.25, deniedRate: 0, p90Ms: 42.4 })).toBe("12 rps · 25.0% err · p90 42 ms");
    expect(edgeLabel({ rps: 0.5, errorRate: 0, deniedRate: 0, p90Ms: null })).toBe("0.5 rps · 0% err · p90 –");
    expect(edgeLabel({ rps: 10, errorRate: 0, deniedRate: 0.05, p90Ms: 3 })).toBe("10 rps · 0% err · 5.0% denied · p90 3.0 ms");
  });
  it("classifies edge health", () => {
    expect(health({ errorRate: 0.1, deniedRate: 0 })).toBe("bad");
    expect(health({ errorRate: 0, deniedRate: 0.2 })).toBe("warn");
    expect(health({ errorRate: 0, deniedRate: 0 })).toBe("ok");
  });
  it("shortens digests", () => {
    expect(shortDigest("sha256:0123456789abcdef0123")).toBe("sha256:0123456789ab");
    expect(shortDigest(undefined)).toBe("");
  });
});
