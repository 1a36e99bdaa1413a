package proxy

import (
	"context"
	"strconv"
	"strings"
	"testing"

	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	"google.golang.org/protobuf/proto"

	"github.com/wasmesh/wasmesh/proxy/config"

	"github.com/wasmesh/wasmesh/proxy/xdsclient"
)

// An HTTP filter whose config comes from ECDS: the listener warms until the
// extension config arrives, and a new extension config applies without a
// listener change.
func TestECDSFilterAndListenerWarming(t *testing.T) {
	be := newBackend(t, "be", nil)
	e := start(t, res(t, staticCluster("be", "", be.addr())))
	l := res(t, httpListener("l", `
      - name: fault-from-ecds
        config_discovery:
          config_source: {ads: {}}
          type_urls: [type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault]`))
	if err := e.p.OnUpdate(xdsclient.ListenerType, "1", map[string]proto.Message{"l": l}); err != nil {
		t.Fatal(err)
	}
	if err := e.p.OnUpdate(xdsclient.RouteType, "1", map[string]proto.Message{"rds": res(t, routesYAML(`{match: {prefix: /}, route: {cluster: be}}`))}); err != nil {
		t.Fatal(err)
	}
	if e.p.ListenerAddr("l") != nil {
		t.Fatal("listener active before its ECDS filter config arrived")
	}
	ext := func(status int) proto.Message {
		return res(t, strings.ReplaceAll(`
"@type": type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig
name: fault-from-ecds
typed_config:
  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
  abort: {http_status: STATUS, percentage: {numerator: 100}}`, "STATUS", strconv.Itoa(status)))
	}
	if err := e.p.OnUpdate(xdsclient.ExtensionConfigType, "1", map[string]proto.Message{"fault-from-ecds": ext(418)}); err != nil {
		t.Fatal(err)
	}
	u := e.url("l")
	if resp, _ := get(t, u+"/"); resp.StatusCode != 418 {
		t.Fatalf("ECDS fault: %d", resp.StatusCode)
	}
	if err := e.p.OnUpdate(xdsclient.ExtensionConfigType, "2", map[string]proto.Message{"fault-from-ecds": ext(429)}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, u+"/"); resp.StatusCode != 429 {
		t.Fatalf("updated ECDS fault: %d", resp.StatusCode)
	}
	// A Wasm extension without a Wasm host is refused (NACK), the old one stays.
	wasm := res(t, `
"@type": type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig
name: fault-from-ecds
typed_config:
  "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
  config: {name: w, vm_config: {runtime: envoy.wasm.runtime.v8, code: {local: {filename: /nonexistent.wasm}}}}`)
	if err := e.p.OnUpdate(xdsclient.ExtensionConfigType, "3", map[string]proto.Message{"fault-from-ecds": wasm}); err == nil {
		t.Fatal("wasm extension accepted without a wasm host")
	}
	if resp, _ := get(t, u+"/"); resp.StatusCode != 429 {
		t.Fatalf("after NACK: %d", resp.StatusCode)
	}
}

func TestStrictDNSAndEDSClusters(t *testing.T) {
	be := newBackend(t, "be", nil)
	_, port, _ := strings.Cut(be.addr(), ":")
	dns := res(t, `
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: dns
type: STRICT_DNS
connect_timeout: 1s
dns_refresh_rate: 1s
load_assignment: {cluster_name: dns, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: localhost, port_value: `+port+`}}}}]}]}
`)
	e := start(t, res(t, httpListener("l", "")), dns)
	if err := e.p.OnUpdate(xdsclient.ClusterType, "1", map[string]proto.Message{"eds": res(t, edsCluster("eds"))}); err != nil {
		t.Fatal(err)
	}
	u := e.routes("l", routesYAML(`{match: {prefix: /dns}, route: {cluster: dns}}, {match: {prefix: /eds}, route: {cluster: eds}}`))
	waitFor(t, "dns resolution", func() bool { r, _ := get(t, u+"/dns"); return r.StatusCode == 200 })
	if r, _ := get(t, u+"/eds"); r.StatusCode != 503 {
		t.Errorf("EDS cluster without endpoints: %d, want 503", r.StatusCode)
	}
	if err := e.p.OnUpdate(xdsclient.EndpointType, "1", map[string]proto.Message{"eds": res(t, cla("eds", be.addr()))}); err != nil {
		t.Fatal(err)
	}
	if r, _ := get(t, u+"/eds"); r.StatusCode != 200 {
		t.Errorf("EDS cluster after endpoints: %d", r.StatusCode)
	}
}

// A static listener whose filter cannot be built makes Run fail cleanly.
func TestStaticListenerWithUnbuildableFilter(t *testing.T) {
	l := res(t, strings.Replace(httpListener("l", `
      - name: envoy.filters.http.wasm
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
          config: {name: w, vm_config: {runtime: envoy.wasm.runtime.v8, code: {local: {filename: /nonexistent.wasm}}}}`),
		"rds: {route_config_name: rds, config_source: {ads: {}}}", "route_config: {name: r, virtual_hosts: [{name: v, domains: [\"*\"]}]}", 1))
	p, err := New(Config{Bootstrap: &config.Bootstrap{Listeners: []*listenerv3.Listener{l.(*listenerv3.Listener)}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "no wasm host") {
		t.Fatalf("Run: %v", err)
	}
}

// Clusters before routes: a route version that points at an EDS cluster
// without endpoints yet keeps the previous version serving until they arrive.
func TestRouteWaitsForClusterWarming(t *testing.T) {
	a := newBackend(t, "a", nil)
	b := newBackend(t, "b", nil)
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("a", "", a.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: a}}`))
	if err := e.p.OnUpdate(xdsclient.ClusterType, "2", map[string]proto.Message{"b": res(t, edsCluster("b"))}); err != nil {
		t.Fatal(err)
	}
	if err := e.p.OnUpdate(xdsclient.RouteType, "2", map[string]proto.Message{"rds": res(t, routesYAML(`{match: {prefix: /}, route: {cluster: b}}`))}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if r, _ := get(t, u+"/"); r.StatusCode != 200 || r.Header.Get("X-Backend") != "a" {
			t.Fatalf("while b warms: %d from %q", r.StatusCode, r.Header.Get("X-Backend"))
		}
	}
	if err := e.p.OnUpdate(xdsclient.EndpointType, "2", map[string]proto.Message{"b": res(t, cla("b", b.addr()))}); err != nil {
		t.Fatal(err)
	}
	if r, _ := get(t, u+"/"); r.Header.Get("X-Backend") != "b" {
		t.Fatalf("after b warmed: served by %q", r.Header.Get("X-Backend"))
	}
}
