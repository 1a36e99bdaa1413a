// Types of meshd's /ui/api/ answers (control/ui's JSON).

export interface GraphNode {
  id: string;
  kind: "workload" | "service" | "unknown";
  name: string;
  namespace?: string;
}

export interface GraphEdge {
  source: string;
  target: string;
  requests: number;
  rps: number;
  errorRate: number;
  deniedRate: number;
  p90Ms: number | null;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  windowSeconds: number;
}

export interface TypeSync {
  typeUrl: string;
  sent: string;
  acked: string;
  nackReason: string;
  nacked?: string;
  at?: string;
}

export interface ProxyStatus {
  id: string;
  workload?: string;
  namespace?: string;
  connected: boolean;
  types: TypeSync[];
}

export interface ServiceConfig {
  service: string;
  routes?: { name?: string; match?: string; destinations?: string[] }[];
  policies?: { name: string; kind: string; action?: string; digest?: string }[];
  filters?: { name: string; phase?: string; digest: string }[];
}

export interface Decision {
  time: string;
  decision: "deny" | "allow";
  code: number;
  principal?: string;
  source: string;
  destination: string;
  service?: string;
  method?: string;
  path?: string;
  reason?: string;
  requestId?: string;
}

export async function get<T>(path: string): Promise<T> {
  const resp = await fetch(`api/${path}`, { cache: "no-store" });
  if (!resp.ok) {
    throw new Error(`${path}: ${resp.status} ${resp.statusText}`);
  }
  return (await resp.json()) as T;
}
