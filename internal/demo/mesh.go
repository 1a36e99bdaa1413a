package demo

import (
	"fmt"
	"strings"
)

// workload is one bookinfo service instance with its sidecar.
type workload struct {
	app, version                                  string
	appPort, inPort, egress, admin, stats, status int
}

func (w workload) name() string { return w.app + "-" + w.version }

var workloads = []workload{
	{app: "productpage", version: "v1"}, {app: "details", version: "v1"},
	{app: "reviews", version: "v1"}, {app: "reviews", version: "v2"}, {app: "reviews", version: "v3"},
	{app: "ratings", version: "v1"},
}

const ns = "bookinfo"

func host(svc string) string { return svc + "." + ns + ".svc.cluster.local" }

// baseConfig is the mesh without any of the steps: services, sidecars,
// subsets and the gateway.
func baseConfig(ws []workload, gwPort, meshdPort int) string {
	var b strings.Builder
	b.WriteString(`apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: wasmesh-system}
spec:
  mtls: {mode: STRICT}
`)
	for _, svc := range []string{"productpage", "details", "reviews", "ratings"} {
		fmt.Fprintf(&b, `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: %[1]s, namespace: %[2]s}
spec:
  hosts: [%[3]s]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 9080, name: http, protocol: HTTP}]
  workloadSelector:
    labels: {app: %[1]s}
`, svc, ns, host(svc))
	}
	// meshd's report sink as a mesh service, for the telemetry filter's reports
	fmt.Fprintf(&b, `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: meshd, namespace: %[1]s}
spec:
  hosts: [%[2]s]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: %[3]d, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1}]
`, ns, host("meshd"), meshdPort)
	for _, w := range ws {
		fmt.Fprintf(&b, `---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: %[1]s, namespace: %[2]s}
spec:
  workloadSelector:
    labels: {app: %[3]s, version: %[4]s}
  egress:
  - port: {number: %[5]d, protocol: HTTP, name: http}
    bind: 127.0.0.1
    captureMode: NONE
    hosts: ["./*"]
  ingress:
  - port: {number: %[6]d, protocol: HTTP, name: http}
    bind: 127.0.0.1
    defaultEndpoint: 127.0.0.1:%[7]d
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`, w.name(), ns, w.app, w.version, w.egress, w.inPort, w.appPort)
	}
	fmt.Fprintf(&b, `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: %[1]s}
spec:
  host: %[2]s
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bookinfo-gateway, namespace: %[1]s}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: %[3]d, name: http, protocol: HTTP}
    bind: 127.0.0.1
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo, namespace: %[1]s}
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  http:
  - route:
    - destination: {host: %[4]s, port: {number: 9080}}
`, ns, host("reviews"), gwPort, host("productpage"))
	return b.String()
}

func bootstrapYAML(w workload) string {
	return fmt.Sprintf(`node:
  id: sidecar~127.0.0.1~%[1]s.%[2]s~%[2]s.svc.cluster.local
  metadata:
    NAME: %[1]s
    NAMESPACE: %[2]s
    INSTANCE_IPS: 127.0.0.1
    INTERCEPTION_MODE: NONE
    POD_PORTS: '[{"name":"http","containerPort":%[3]d}]'
    LABELS: {app: %[4]s, version: %[5]s}
`, w.name(), ns, w.inPort, w.app, w.version)
}

func gatewayBootstrap() string {
	return fmt.Sprintf(`node:
  id: router~127.0.0.1~ingressgateway.%[1]s~%[1]s.svc.cluster.local
  metadata:
    NAMESPACE: %[1]s
    LABELS: {istio: ingressgateway}
`, ns)
}

// telemetryPlugins deploy filters/telemetry on every workload of the
// namespace, Istio's standard metrics in each proxy: reporter=destination on
// the inbound (SERVER) side, which also reports each request to meshd's
// sink (meshctl logs), reporter=source on the outbound (CLIENT) side.
func telemetryPlugins(meshd string, meshdPort int, digest string) string {
	return fmt.Sprintf(`apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: stats-inbound, namespace: %[1]s}
spec:
  url: http://%[2]s/modules/%[3]s
  sha256: %[3]s
  phase: STATS
  match: [{mode: SERVER}]
  pluginConfig:
    reporter: destination
    reportCluster: "outbound|%[4]d||%[5]s"
    reportAuthority: meshd
    batchMaxTime: 200ms
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: stats-outbound, namespace: %[1]s}
spec:
  url: http://%[2]s/modules/%[3]s
  sha256: %[3]s
  phase: STATS
  match: [{mode: CLIENT}]
  pluginConfig: {reporter: source}
`, ns, meshd, digest, meshdPort, host("meshd"))
}

// helloPlugin deploys examples/filters/hello on productpage.
func helloPlugin(meshd, digest string) string {
	return fmt.Sprintf(`apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: hello, namespace: %[1]s}
spec:
  selector:
    matchLabels: {app: productpage}
  url: http://%[2]s/modules/%[3]s
  sha256: %[3]s
  phase: STATS
`, ns, meshd, digest)
}

// policyConfig is the Policy holding the demo's Rego for productpage.
func policyConfig(rego string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: policy.wasmesh.io/v1alpha1\nkind: Policy\nmetadata: {name: no-admin, namespace: %s}\nspec:\n  selector:\n    matchLabels: {app: productpage}\n  rego: |\n", ns)
	for _, l := range strings.Split(strings.TrimRight(rego, "\n"), "\n") {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}
