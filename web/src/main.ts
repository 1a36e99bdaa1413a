import "./style.css";
import { get, type Decision, type Graph, type ProxyStatus, type ServiceConfig } from "./api";
import { renderGraph } from "./graph";
import { renderConfig, renderDecisions, renderProxies } from "./views";

const REFRESH_MS = 5000;

function mount(id: string, node: Node): void {
  const target = document.getElementById(id);
  if (target) target.replaceChildren(node);
}

async function refresh(): Promise<void> {
  const status = document.getElementById("status");
  try {
    const [graph, decisions, proxies, config] = await Promise.all([
      get<Graph>("topology"),
      get<Decision[]>("decisions?limit=50"),
      get<ProxyStatus[]>("proxies"),
      get<ServiceConfig[]>("config"),
    ]);
    mount("graph", renderGraph(graph));
    const win = document.getElementById("window");
    if (win) {
      win.textContent = graph.windowSeconds > 0
        ? `Rates over the last ${graph.windowSeconds.toFixed(1)} s, between two scrapes of the proxies' metrics.`
        : "Totals since the proxies started (one scrape so far).";
    }
    mount("decisions-table", renderDecisions(decisions));
    mount("proxies-table", renderProxies(proxies));
    mount("config-list", renderConfig(config));
    document.body.dataset.loaded = "true";
    if (status) {
      status.textContent = `updated ${new Date().toLocaleTimeString()}`;
      status.className = "status ok";
    }
  } catch (err) {
    if (status) {
      status.textContent = `error: ${err instanceof Error ? err.message : String(err)}`;
      status.className = "status bad";
    }
  }
}

async function loop(): Promise<void> {
  await refresh();
  setTimeout(loop, REFRESH_MS);
}

void loop();
