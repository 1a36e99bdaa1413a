package proxy

import (
	"fmt"
	"io"
	"net"
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

// TestPassthroughCaptured runs meshd's virtualOutbound shape (use_original_dst,
// default chain tcp_proxy to PassthroughCluster) with iptables capture in a
// private network namespace: a connection from 127.0.0.2 to 127.0.0.1:9997 is
// redirected to 15001 and must reach the real server on 127.0.0.1:9997 (the
// proxy's own upstream connection, from 127.0.0.1, is not captured).
func TestPassthroughCaptured(t *testing.T) {
	if os.Getenv("MESHPROXY_IN_NETNS") != "1" {
		if os.Geteuid() != 0 {
			t.Skip("optional: needs root for a private network namespace with iptables (run as root to include it)")
		}
		for _, tool := range []string{"unshare", "ip", "iptables"} {
			if _, err := exec.LookPath(tool); err != nil {
				t.Fatalf("%s not found: apt-get install -y util-linux iproute2 iptables", tool)
			}
		}
		script := "ip link set lo up && " +
			"iptables -t nat -A OUTPUT -p tcp -s 127.0.0.2 -d 127.0.0.1 --dport 9997 -j REDIRECT --to-ports 15001 && " +
			fmt.Sprintf("exec %q -test.run '^TestPassthroughCaptured$' -test.v", os.Args[0])
		cmd := exec.Command("unshare", "--net", "sh", "-c", script)
		cmd.Env = append(os.Environ(), "MESHPROXY_IN_NETNS=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestPassthroughCaptured") {
			t.Fatalf("in netns: %v\n%s", err, out)
		}
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:9997")
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
	e := start(t, res(t, passthroughCluster), res(t, `
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: virtualOutbound
address: {socket_address: {address: 0.0.0.0, port_value: 15001}}
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
`))
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", "127.0.0.1:9997")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	// The server saw the proxy (source 127.0.0.1), not the client (127.0.0.2).
	if got := string(b); !strings.HasPrefix(got, "hello 127.0.0.1:9997 from 127.0.0.1:") {
		t.Fatalf("got %q", got)
	}
	if n := e.p.Stats().Value("tcp.PassthroughCluster.downstream_cx_total"); n != 1 {
		t.Errorf("tcp.PassthroughCluster.downstream_cx_total = %d, want 1", n)
	}
}
