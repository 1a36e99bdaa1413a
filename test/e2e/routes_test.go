package e2e

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/fixture"
)

// TestRouteFeatures checks VirtualService features through the real
// sidecars: header match, fault abort, direct response, redirect and
// response header operations; and REGISTRY_ONLY for unknown hosts.
func TestRouteFeatures(t *testing.T) {
	m := startMesh(t)
	m.write("web-route.yaml", `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: [web.mesh]
  http:
  - match:
    - headers:
        x-canary: {exact: "yes"}
    route:
    - destination: {host: web.mesh, subset: v2}
    headers:
      response:
        set: {x-route: canary}
  - match:
    - uri: {prefix: /broken}
    fault:
      abort: {httpStatus: 418, percentage: {value: 100}}
    route:
    - destination: {host: web.mesh, subset: v1}
  - match:
    - uri: {exact: /health}
    directResponse: {status: 200, body: {string: healthy}}
  - match:
    - uri: {exact: /old}
    redirect: {uri: /new, redirectCode: 302}
  - route:
    - destination: {host: web.mesh, subset: v1}
    headers:
      response:
        set: {x-route: stable}
`)
	do := func(path string, hdr map[string]string) (int, string, http.Header) {
		req, _ := http.NewRequest(http.MethodGet, m.egress+path, nil)
		req.Host = "web.mesh"
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			return 0, err.Error(), nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	fixture.Retry(t, "the routes (/health answered directly)", 5*time.Second, func() error {
		if code, body, _ := do("/health", nil); code != http.StatusOK || body != "healthy" {
			return fmt.Errorf("/health → %d %q", code, body)
		}
		return nil
	})
	for range 10 {
		if code, body, h := do("/", map[string]string{"x-canary": "yes"}); code != 200 || body != "v2" || h.Get("x-route") != "canary" {
			t.Fatalf("canary: %d %q x-route=%q", code, body, h.Get("x-route"))
		}
		if code, body, h := do("/", nil); code != 200 || body != "v1" || h.Get("x-route") != "stable" {
			t.Fatalf("default: %d %q x-route=%q", code, body, h.Get("x-route"))
		}
	}
	if code, _, _ := do("/broken", nil); code != 418 {
		t.Errorf("fault abort: %d, want 418", code)
	}
	if code, _, h := do("/old", nil); code != http.StatusFound || h.Get("Location") == "" {
		t.Errorf("redirect: %d location %q", code, h.Get("Location"))
	}
	// REGISTRY_ONLY: a host outside the registry is refused by the sidecar
	req, _ := http.NewRequest(http.MethodGet, m.egress+"/", nil)
	req.Host = "unknown.example.com"
	resp, err := m.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("unknown host: %d, want 502 (REGISTRY_ONLY)", resp.StatusCode)
	}
}
