package proxy

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// passthroughCluster is the ALLOW_ANY cluster exactly as control/pilot emits it.
const passthroughCluster = `
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
connectTimeout: 10s
lbPolicy: CLUSTER_PROVIDED
name: PassthroughCluster
type: ORIGINAL_DST
`

// TestPassthroughHeader sends HTTP through an ORIGINAL_DST cluster with
// use_http_header: the x-envoy-original-dst-host header picks the upstream;
// without it (and without a captured destination) the proxy answers 503 UH
// instead of looping to itself.
func TestPassthroughHeader(t *testing.T) {
	a := newBackend(t, "a", nil)
	b := newBackend(t, "b", nil)
	e := start(t, res(t, httpListener("l", "")), res(t, `
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: byheader
type: ORIGINAL_DST
lb_policy: CLUSTER_PROVIDED
connect_timeout: 1s
original_dst_lb_config: {use_http_header: true}
`))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: byheader}}`)) + "/x"
	for _, be := range []*backend{a, b, a} {
		resp, body := get(t, u, "x-envoy-original-dst-host", be.addr())
		if resp.StatusCode != 200 || !strings.HasPrefix(body, be.name+" ") {
			t.Fatalf("to %s: %d %q", be.name, resp.StatusCode, body)
		}
	}
	if a.hits.Load() != 2 || b.hits.Load() != 1 {
		t.Errorf("hits a=%d b=%d, want 2 and 1", a.hits.Load(), b.hits.Load())
	}
	if resp, _ := get(t, u); resp.StatusCode != 503 {
		t.Errorf("no destination: status %d, want 503", resp.StatusCode)
	}
	if resp, _ := get(t, u, "x-envoy-original-dst-host", "not-an-address"); resp.StatusCode != 503 {
		t.Errorf("bad header: status %d, want 503", resp.StatusCode)
	}
	if n := e.p.Stats().Value("cluster.byheader.membership_total"); n != 2 {
		t.Errorf("membership_total %d, want 2 hosts", n)
	}
}

// inNetns re-runs the test named name in a private network namespace
// (unshare --net) after the setup commands, so the host's netfilter is
// untouched. It reports whether the caller is already inside.
func inNetns(t *testing.T, name, setup string) bool {
	if os.Getenv("MESHPROXY_IN_NETNS") == "1" {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("optional: needs root for a private network namespace with iptables (run as root to include it)")
	}
	for _, tool := range []string{"unshare", "ip", "iptables", "ip6tables"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: apt-get install -y util-linux iproute2 iptables", tool)
		}
	}
	script := "ip link set lo up && " + setup + " && " + fmt.Sprintf("exec %q -test.run '^%s$' -test.v", os.Args[0], name)
	cmd := exec.Command("unshare", "--net", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "MESHPROXY_IN_NETNS=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("in netns: %v\n%s", err, out)
	}
	return false
}

// TestPassthroughCaptured runs meshd's virtualOutbound shape (use_original_dst,
// default chain tcp_proxy to PassthroughCluster) with iptables capture: a
// client connection from source port 40000 to 127.0.0.1:9997 (and to
// [::1]:9997 through ip6tables) is redirected to 15001 and must reach the
// real server there; the proxy's own upstream connection is not captured.
func TestPassthroughCaptured(t *testing.T) {
	if !inNetns(t, "TestPassthroughCaptured",
		"iptables -t nat -A OUTPUT -p tcp -d 127.0.0.1 --dport 9995:9997 --sport 40000 -j REDIRECT --to-ports 15001 && "+
			"ip6tables -t nat -A OUTPUT -p tcp -d ::1 --dport 9997 --sport 40000 -j REDIRECT --to-ports 15001") {
		return
	}
	for _, ip := range []string{"127.0.0.1", "::1"} {
		t.Run(ip, func(t *testing.T) { passthroughCaptured(t, ip) })
	}
	t.Run("http", passthroughCapturedHTTP)
}

// passthroughCapturedHTTP: a captured HTTP request matched by destination
// port goes through the HCM and its route to PassthroughCluster, which
// connects to the captured destination (the real server on :9995).
func passthroughCapturedHTTP(t *testing.T) {
	be := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "real server %s, proxied=%v", r.Host, r.Header.Get("X-Request-Id") != "")
	}), ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:9995")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = be.Serve(ln) }()
	defer be.Close()
	start(t, res(t, passthroughCluster), res(t, `
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: virtualOutbound
address: {socket_address: {address: 127.0.0.1, port_value: 15001}}
use_original_dst: true
traffic_direction: OUTBOUND
filter_chains:
- filter_chain_match: {destination_port: 9995}
  filters:
  - name: envoy.filters.network.http_connection_manager
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
      stat_prefix: outbound_9995
      route_config: {name: r, virtual_hosts: [{name: allow_any, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: PassthroughCluster}}]}]}
      http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]
`))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 40000}, Timeout: 5 * time.Second}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
	var resp *http.Response
	for try := 0; ; try++ { // the fixed source port may linger in TIME_WAIT from the previous case
		if resp, err = c.Get("http://127.0.0.1:9995/x"); err == nil || try == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := string(b); resp.StatusCode != 200 || got != "real server 127.0.0.1:9995, proxied=true" {
		t.Fatalf("%d %q", resp.StatusCode, got)
	}
}

func passthroughCaptured(t *testing.T, ip string) {
	dst := net.JoinHostPort(ip, "9997")
	ln, err := net.Listen("tcp", dst)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fmt.Fprintf(c, "hello %s from %s\n", c.LocalAddr(), c.RemoteAddr())
			}()
		}
	}()
	e := start(t, res(t, passthroughCluster), res(t, fmt.Sprintf(`
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: virtualOutbound
address: {socket_address: {address: "%s", port_value: 15001}}
use_original_dst: true
traffic_direction: OUTBOUND
default_filter_chain:
  name: PassthroughCluster
  filters:
  - name: envoy.filters.network.tcp_proxy
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
      cluster: PassthroughCluster
      stat_prefix: PassthroughCluster
`, ip)))
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000}, Timeout: 5 * time.Second}
	var c net.Conn
	for try := 0; ; try++ { // the fixed source port may linger in TIME_WAIT from the previous case
		if c, err = d.Dial("tcp", dst); err == nil || try == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	// The server saw the proxy's connection (another source port), not the client's.
	got := string(b)
	if !strings.HasPrefix(got, "hello "+dst+" from ") || strings.Contains(got, ":40000") {
		t.Fatalf("got %q", got)
	}
	if n := e.p.Stats().Value("tcp.PassthroughCluster.downstream_cx_total"); n != 1 {
		t.Errorf("tcp.PassthroughCluster.downstream_cx_total = %d, want 1", n)
	}
}
