// Drives Debian's chromium (headless, through playwright-core) against the
// dashboard of the running demo mesh (meshctl demo up): the graph shows the
// bookinfo services and the edges between them, and the decisions view
// shows a denied request first. Saves demo-*.png screenshots in DIR.
//
// usage: node demo.mjs URL DIR   (exit 0 = all checks passed)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error("usage: node demo.mjs URL SCREENSHOT_DIR");
  process.exit(2);
}

const failures = [];
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
}

const profile = mkdtempSync(join(tmpdir(), "wasmesh-demo-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1600, height: 1000 },
});
try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector("body[data-loaded=true]", { timeout: 20000 });

  const svc = (s) => `svc:${s}.bookinfo.svc.cluster.local`;
  const wl = (w) => `wl:bookinfo/${w}`;
  // the graph fills in as the proxies' metrics arrive: wait for the edges
  const edges = [
    [wl("productpage-v1"), svc("details")],
    [wl("productpage-v1"), svc("reviews")],
    [wl("reviews-v3"), svc("ratings")],
  ];
  const edgeSel = (from, to) => `svg.topology [data-edge="${from}->${to}"]`;
  await page.waitForSelector(edges.map(([f, t]) => edgeSel(f, t)).join(", "), { timeout: 20000 }).catch(() => {});
  await page.waitForTimeout(3000);
  // the gateway calls productpage by address: the inbound cluster names the
  // service (inbound|9080||productpage...), so its node is the service's
  check(await page.locator(`svg.topology [data-edge$="->${svc("productpage")}"]`).count() >= 1,
    "graph shows the gateway's traffic into the productpage service");
  for (const id of [svc("productpage"), svc("details"), svc("reviews"), svc("ratings"), wl("productpage-v1"), wl("details-v1")]) {
    check(await page.locator(`svg.topology [data-node="${id}"]`).count() === 1, `graph shows node ${id}`);
  }
  for (const [from, to] of edges) {
    check(await page.locator(edgeSel(from, to)).count() === 1, `graph shows edge ${from} → ${to}`);
  }
  const names = await page.locator("svg.topology .node-name").allTextContents();
  for (const s of ["productpage-v1", "details", "reviews", "ratings"]) {
    check(names.includes(s), `${s} is labelled in the graph`);
  }

  // the demo's denials (POST / by the AuthorizationPolicy, GET /admin by
  // the Rego Policy) come first in the decisions view
  const first = page.locator("#decisions-table tbody tr").first();
  const firstText = (await first.textContent()) ?? "";
  check((await first.getAttribute("class"))?.includes("deny") && firstText.includes("403"),
    `first decision is a denied request (${firstText})`);

  await page.screenshot({ path: join(shots, "demo-dashboard.png"), fullPage: true });
  await page.locator("#topology").screenshot({ path: join(shots, "demo-topology.png") });
  await page.locator("#decisions").screenshot({ path: join(shots, "demo-decisions.png") });
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("all checks passed");
