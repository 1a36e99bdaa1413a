package proxy

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/wasmesh/wasmesh/proxy/xdsclient"
)

// TestECDSDenyAll: the RBAC filter Istio sends in place of a fail-closed Wasm
// plugin whose module is unavailable refuses every request with 403 "RBAC:
// access denied" (gRPC: PERMISSION_DENIED); RBAC rules other than deny-all
// are refused (NACK) and the deny-all stays.
func TestECDSDenyAll(t *testing.T) {
	be := newBackend(t, "be", nil)
	e := start(t, res(t, staticCluster("be", "", be.addr())))
	l := res(t, httpListener("l", `
      - name: shop.plugin
        config_discovery:
          config_source: {ads: {}}
          type_urls: [type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm, type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC]`))
	if err := e.p.OnUpdate(xdsclient.ListenerType, "1", map[string]proto.Message{"l": l}); err != nil {
		t.Fatal(err)
	}
	if err := e.p.OnUpdate(xdsclient.RouteType, "1", map[string]proto.Message{"rds": res(t, routesYAML(`{match: {prefix: /}, route: {cluster: be}}`))}); err != nil {
		t.Fatal(err)
	}
	ext := func(rules string) proto.Message {
		return res(t, `
"@type": type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig
name: shop.plugin
typed_config:
  "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
  rules: `+rules)
	}
	if err := e.p.OnUpdate(xdsclient.ExtensionConfigType, "1", map[string]proto.Message{"shop.plugin": ext("{}")}); err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, e.url("l")+"/")
	if resp.StatusCode != 403 || !strings.Contains(body, "RBAC: access denied") {
		t.Fatalf("deny-all: %d %q, want 403 RBAC: access denied", resp.StatusCode, body)
	}
	err := e.p.OnUpdate(xdsclient.ExtensionConfigType, "2", map[string]proto.Message{"shop.plugin": ext(`{policies: {any: {permissions: [{any: true}], principals: [{any: true}]}}}`)})
	if err == nil || !strings.Contains(err.Error(), "deny-all") {
		t.Fatalf("RBAC with policies: %v, want a NACK naming deny-all", err)
	}
	if resp, _ := get(t, e.url("l")+"/"); resp.StatusCode != 403 {
		t.Fatalf("after the NACK: %d, want the deny-all to stay", resp.StatusCode)
	}
}
