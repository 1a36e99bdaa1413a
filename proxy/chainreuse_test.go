package proxy

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/wasmesh/wasmesh/proxy/xdsclient"
)

// TestUnchangedChainKeepsConnections: a listener update that only adds a
// filter chain leaves connections on the unchanged chain alone (Envoy's
// in-place filter chain update); a change outside the chains drains them.
func TestUnchangedChainKeepsConnections(t *testing.T) {
	be := newBackend(t, "be", nil)
	e := start(t, res(t, staticCluster("be", "", be.addr())))
	if err := e.p.OnUpdate(xdsclient.RouteType, "1", map[string]proto.Message{"rds": res(t, routesYAML(`{match: {prefix: /}, route: {cluster: be}}`))}); err != nil {
		t.Fatal(err)
	}
	base := httpListener("l", "")
	push := func(version, y string) {
		t.Helper()
		if err := e.p.OnUpdate(xdsclient.ListenerType, version, map[string]proto.Message{"l": res(t, y)}); err != nil {
			t.Fatal(err)
		}
	}
	push("1", base)
	waitFor(t, "listener l", func() bool { return e.p.ListenerAddr("l") != nil })
	u := e.url("l")

	var mu sync.Mutex
	dials := 0
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 1,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dials++
			mu.Unlock()
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	defer client.CloseIdleConnections()
	getOK := func(what string) {
		t.Helper()
		resp, err := client.Get(u + "/")
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", what, resp.StatusCode)
		}
	}
	dialed := func() int {
		mu.Lock()
		defer mu.Unlock()
		return dials
	}

	getOK("first request")
	// A second chain, for another destination port: the first is unchanged.
	withSecond := strings.Replace(base, "filter_chains:\n", `filter_chains:
- filter_chain_match: {destination_port: 1}
  filters:
  - name: envoy.filters.network.tcp_proxy
    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: be}
`, 1)
	push("2", withSecond) // applied when OnUpdate returns
	getOK("after a chain was added")
	if n := dialed(); n != 1 {
		t.Fatalf("the keep-alive connection on the unchanged chain was closed: %d dials, want 1", n)
	}

	// A listener-level change rebuilds every chain; the old ones drain and
	// the client reconnects.
	push("3", strings.Replace(withSecond, "name: l\n", "name: l\ntraffic_direction: OUTBOUND\n", 1))
	waitFor(t, "idle connection closed by the drain", func() bool {
		if resp, err := client.Get(u + "/"); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return dialed() > 1
	})
	getOK("after a listener-level change")
}
