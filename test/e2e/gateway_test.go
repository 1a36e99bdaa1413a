package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/fixture"
)

// startGateway runs meshproxy in gateway mode as the router node name
// (namespace default) labelled istio: selector, fed by the mesh's meshd.
func (m *mesh) startGateway(name, selector string) {
	m.t.Helper()
	boot := filepath.Join(m.dir, name+".bootstrap.yaml")
	if err := os.WriteFile(boot, []byte("node:\n  id: router~127.0.0.1~"+name+".default~default.svc.cluster.local\n  metadata:\n"+
		"    NAMESPACE: default\n    LABELS: {istio: "+selector+"}\n"), 0o644); err != nil {
		m.t.Fatal(err)
	}
	start(m.t, "meshproxy "+name, "--mode", "gateway", "--bootstrap", boot, "--xds-address", m.xds,
		"--admin-port", itoa(fixture.FreePort(m.t)), "--access-log=false", "--drain-time", "1s")
}

// TestIngressGateway runs meshproxy as a gateway configured from a Gateway
// and a VirtualService bound to it, in front of the mesh's web service.
func TestIngressGateway(t *testing.T) {
	m := startMesh(t)
	gwPort := fixture.FreePort(t)
	m.write("gateway.yaml", strings.ReplaceAll(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: GW_PORT, name: http, protocol: HTTP}
    bind: 127.0.0.1
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge, namespace: default}
spec:
  hosts: [shop.example.com]
  gateways: [edge]
  http:
  - match:
    - uri: {prefix: /old}
    route:
    - destination: {host: web.mesh, subset: v1}
  - route:
    - destination: {host: web.mesh, subset: v2}
`, "GW_PORT", itoa(gwPort)))
	m.startGateway("ingress-1", "ingressgateway")
	base := "http://127.0.0.1:" + itoa(gwPort)
	get := func(host, path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Host = host
		resp, err := m.client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b := make([]byte, 64)
		n, _ := resp.Body.Read(b)
		return resp.StatusCode, string(b[:n])
	}
	fixture.Retry(t, "the gateway to route shop.example.com", 10*time.Second, func() error {
		if code, body := get("shop.example.com", "/"); code != http.StatusOK || body != "v2" {
			return fmt.Errorf("%d %q", code, body)
		}
		return nil
	})
	for range 20 {
		if code, body := get("shop.example.com", "/old/page"); code != http.StatusOK || body != "v1" {
			t.Fatalf("/old/page: %d %q, want v1", code, body)
		}
		if code, body := get("shop.example.com", "/"); code != http.StatusOK || body != "v2" {
			t.Fatalf("/: %d %q, want v2", code, body)
		}
	}
	if code, _ := get("other.example.com", "/"); code != http.StatusNotFound {
		t.Errorf("unknown host: %d, want 404", code)
	}
}
