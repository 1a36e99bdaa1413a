// Drives Debian's chromium (headless, through playwright-core) against the
// dashboard at URL and checks what a user would see: the bookinfo services
// and the edges between them with live numbers, a denied request at the top
// of the decisions view, the proxies' sync status with the NACK, and the
// config with filter digests. Saves screenshots in DIR.
//
// usage: node ui.mjs URL DIR   (exit 0 = all checks passed)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error("usage: node ui.mjs URL SCREENSHOT_DIR");
  process.exit(2);
}

const failures = [];
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
}

const profile = mkdtempSync(join(tmpdir(), "wasmesh-ui-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  viewport: { width: 1600, height: 1000 },
});
try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  const consoleErrors = [];
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector("body[data-loaded=true]", { timeout: 20000 });

  // The graph: every service and workload of the demo, and its edges.
  const svc = (s) => `svc:${s}.bookinfo.svc.cluster.local`;
  const wl = (w) => `wl:bookinfo/${w}`;
  for (const id of ["unknown", svc("productpage"), svc("details"), svc("reviews"), svc("ratings"),
    wl("productpage-v1"), wl("details-v1"), wl("reviews-v1"), wl("reviews-v2"), wl("reviews-v3"), wl("ratings-v1")]) {
    check(await page.locator(`svg.topology [data-node="${id}"]`).count() === 1, `graph shows node ${id}`);
  }
  const edges = [
    ["unknown", svc("productpage")],
    [wl("productpage-v1"), svc("details")],
    [wl("productpage-v1"), svc("reviews")],
    [svc("reviews"), wl("reviews-v3")],
    [wl("reviews-v2"), svc("ratings")],
    [wl("reviews-v3"), svc("ratings")],
  ];
  for (const [from, to] of edges) {
    const edge = page.locator(`svg.topology [data-edge="${from}->${to}"]`);
    const n = await edge.count();
    const label = n === 1 ? (await edge.locator("text.edge-label tspan").allTextContents()).join(" · ") : "";
    const live = /^\d+(\.\d+)? rps · [\d.]+% err( · [\d.]+% denied)? · p90 [\d.]+ ms$/.test(label ?? "") && !label.startsWith("0 rps");
    check(n === 1 && live, `graph shows edge ${from} → ${to} with live rate, errors and p90 (${label})`);
  }
  const names = await page.locator("svg.topology .node-name").allTextContents();
  for (const s of ["productpage", "details", "reviews", "ratings"]) {
    check(names.includes(s), `service ${s} is labelled in the graph`);
  }

  // Decisions: the denial comes first, with its path and reason.
  const first = page.locator("#decisions-table tbody tr").first();
  const firstText = (await first.textContent()) ?? "";
  check((await first.getAttribute("class"))?.includes("deny") && firstText.includes("/admin/settings") &&
    firstText.includes("403") && firstText.includes("RBAC_ACCESS_DENIED"),
  `first decision is the denied GET /admin/settings (${firstText})`);
  const kinds = await page.locator("#decisions-table tbody tr .badge").allTextContents();
  const firstAllow = kinds.indexOf("allow");
  check(firstAllow > 0 && !kinds.slice(firstAllow).includes("deny"), `denies before allows (${kinds.join(",")})`);

  // Proxies: one NACK with its reason.
  const nacked = page.locator("#proxies-table tr.proxy.bad");
  check(await nacked.count() === 1 && ((await nacked.textContent()) ?? "").includes("envoy.filters.http.lua is not supported"),
    "proxies view shows the NACK reason");
  check(await page.locator("#proxies-table tr.proxy.ok").count() === 23, "the other 23 resource types are synced");

  // Config: filters with digests, per service.
  const reviews = page.locator('article[data-service="reviews.bookinfo.svc.cluster.local"]');
  const cfg = (await reviews.textContent()) ?? "";
  check(cfg.includes("reviews v3 (33%)") && /authz \[AUTHZ\] sha256:[0-9a-f]{12}/.test(cfg), `config shows routes and filter digests for reviews`);

  check(consoleErrors.length === 0, `no console errors (${consoleErrors.join(" | ")})`);

  await page.screenshot({ path: join(shots, "dashboard.png"), fullPage: true });
  await page.locator("#topology").screenshot({ path: join(shots, "topology.png") });
  await page.locator("#decisions").screenshot({ path: join(shots, "decisions.png") });
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("all checks passed");
