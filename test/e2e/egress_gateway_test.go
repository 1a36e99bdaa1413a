package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/fixture"
)

// TestEgressGateway sends a REGISTRY_ONLY mesh's calls to an external
// ServiceEntry host through an egress gateway, Istio's pattern: one
// VirtualService bound to the mesh routes the host to the gateway, and the
// same VirtualService bound to the gateway routes it out (adding a header the
// external server checks). Hosts outside the registry stay blocked.
func TestEgressGateway(t *testing.T) {
	m := startMesh(t)
	ext := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "external via="+r.Header.Get("x-via"))
	}))
	defer ext.Close()
	extPort := strings.TrimPrefix(ext.URL, "http://127.0.0.1:")
	gwPort := fixture.FreePort(t)
	m.write("egress.yaml", strings.NewReplacer("GW_PORT", itoa(gwPort), "EXT_PORT", extPort).Replace(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api-external, namespace: default}
spec:
  hosts: [api.external]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: EXT_PORT}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: egressgateway, namespace: default}
spec:
  hosts: [egressgateway.mesh]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: GW_PORT}}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: default}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: GW_PORT, name: http, protocol: HTTP}
    bind: 127.0.0.1
    hosts: [api.external]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api-via-egress, namespace: default}
spec:
  hosts: [api.external]
  gateways: [mesh, egress]
  http:
  - match: [{gateways: [mesh]}]
    route:
    - destination: {host: egressgateway.mesh, port: {number: 80}}
  - match: [{gateways: [egress]}]
    headers:
      request:
        set: {x-via: egress-gateway}
    route:
    - destination: {host: api.external, port: {number: 80}}
`))
	m.startGateway("egress-1", "egressgateway")

	call := func(host string) (int, string, error) {
		req, _ := http.NewRequest(http.MethodGet, m.egress+"/v1/things", nil)
		req.Host = host
		resp, err := m.client.Do(req)
		if err != nil {
			return 0, "", err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b), nil
	}
	fixture.Retry(t, "api.external through the egress gateway", 15*time.Second, func() error {
		code, body, err := call("api.external")
		if err == nil && (code != http.StatusOK || body != "external via=egress-gateway") {
			err = fmt.Errorf("%d %q", code, body)
		}
		return err
	})
	if code, body, err := call("not-registered.example"); err != nil || code != http.StatusBadGateway {
		t.Errorf("unregistered host: %d %q %v, want 502 (REGISTRY_ONLY)", code, body, err)
	}
}
