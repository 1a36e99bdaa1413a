package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/wasmesh/wasmesh/proxy/xdsclient"
)

const h2Options = `typed_extension_protocol_options:
  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
    explicit_http_config: {http2_protocol_options: {}}`

func TestGRPCThroughProxy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus("svc", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()

	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("grpc", h2Options, ln.Addr().String())))
	u := e.routes("l", routesYAML(`{match: {prefix: /, grpc: {}}, route: {cluster: grpc, timeout: 0s}}`))
	conn, err := grpc.NewClient(strings.TrimPrefix(u, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := healthpb.NewHealthClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := c.Check(ctx, &healthpb.HealthCheckRequest{Service: "svc"})
	if err != nil || r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("unary: %v %v", r, err)
	}
	// The status arrives in trailers.
	_, err = c.Check(ctx, &healthpb.HealthCheckRequest{Service: "unknown"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("want NotFound through trailers, got %v", err)
	}
	// Server streaming: updates flow while the stream stays open.
	w, err := c.Watch(ctx, &healthpb.HealthCheckRequest{Service: "svc"})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := w.Recv(); err != nil || m.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("watch first: %v %v", m, err)
	}
	hs.SetServingStatus("svc", healthpb.HealthCheckResponse_NOT_SERVING)
	if m, err := w.Recv(); err != nil || m.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("watch update: %v %v", m, err)
	}
	// A route miss becomes a gRPC status, not an HTTP error.
	e.routes("l", routesYAML(`{match: {prefix: /nothing}, route: {cluster: grpc}}`))
	_, err = c.Check(ctx, &healthpb.HealthCheckRequest{Service: "svc"})
	if status.Code(err) != codes.Unimplemented {
		t.Fatalf("no route: want Unimplemented, got %v", err)
	}
}

func TestH2CToHTTP1Upstream(t *testing.T) {
	be := newBackend(t, "be", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.Proto) })
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("be", "", be.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: be}}`))
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	c := &http.Client{Transport: &http.Transport{Protocols: p}, Timeout: 5 * time.Second}
	resp, err := c.Get(u + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Proto != "HTTP/2.0" || string(body) != "HTTP/1.1" {
		t.Fatalf("downstream %s, upstream %s", resp.Proto, body)
	}
}

func TestWebSocketUpgrade(t *testing.T) {
	be := newBackend(t, "ws", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" {
			w.WriteHeader(400)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		_ = brw.Flush()
		line, _ := brw.ReadString('\n')
		_, _ = conn.Write([]byte("echo:" + line))
	})
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("ws", "", be.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: ws}}`))
	conn, err := net.Dial("tcp", strings.TrimPrefix(u, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(conn, "GET /chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	fmt.Fprint(conn, "hello\n")
	line, err := br.ReadString('\n')
	if err != nil || line != "echo:hello\n" {
		t.Fatalf("echo %q %v", line, err)
	}
}

func TestTCPProxy(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	e := start(t, res(t, `
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: tcp
address: {socket_address: {address: 127.0.0.1, port_value: 0}}
filter_chains: [{filters: [{name: envoy.filters.network.tcp_proxy, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: echo, cluster: echo}}]}]
`), res(t, staticCluster("echo", "", echo.Addr().String())))
	conn, err := net.Dial("tcp", e.p.ListenerAddr("tcp").String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(conn, "ping\n")
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || line != "ping\n" {
		t.Fatalf("tcp echo %q %v", line, err)
	}
}

func TestNACKKeepsOldConfig(t *testing.T) {
	be := newBackend(t, "be", nil)
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("be", "", be.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: be}}`))
	bad := res(t, routesYAML(`{match: {prefix: /}, route: {cluster: be, retry_policy: {retry_on: "nonsense"}}}`))
	err := e.p.OnUpdate(xdsclient.RouteType, "r2", map[string]proto.Message{"rds": bad})
	if err == nil || !strings.Contains(err.Error(), "retry_policy.retry_on") {
		t.Fatalf("want a NACK naming retry_on, got %v", err)
	}
	if resp, _ := get(t, u+"/"); resp.StatusCode != 200 {
		t.Fatalf("old config stopped serving: %d", resp.StatusCode)
	}
	badCluster := res(t, `
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: x
type: EDS
lb_policy: MAGLEV
`)
	if err := e.p.OnUpdate(xdsclient.ClusterType, "c2", map[string]proto.Message{"x": badCluster}); err == nil {
		t.Fatal("MAGLEV cluster accepted")
	}
	if resp, _ := get(t, u+"/"); resp.StatusCode != 200 {
		t.Fatalf("old clusters stopped serving: %d", resp.StatusCode)
	}
}

func TestInFlightSurvivesListenerChange(t *testing.T) {
	started := make(chan struct{}, 1)
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		time.Sleep(300 * time.Millisecond)
		fmt.Fprint(w, "done")
	})
	e := start(t, res(t, staticCluster("slow", "", slow.addr())))
	l1 := res(t, httpListener("l", ""))
	if err := e.p.OnUpdate(xdsclient.ListenerType, "l1", map[string]proto.Message{"l": l1}); err != nil {
		t.Fatal(err)
	}
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: slow}}`))
	result := make(chan string, 1)
	go func() {
		_, body := get(t, u+"/")
		result <- body
	}()
	<-started
	// Same address, different chain config: the socket stays, the old chain drains.
	l2 := res(t, strings.Replace(httpListener("l", ""), "stat_prefix: l", "stat_prefix: l2", 1))
	if err := e.p.OnUpdate(xdsclient.ListenerType, "l2", map[string]proto.Message{"l": l2}); err != nil {
		t.Fatal(err)
	}
	e.routes("l", routesYAML(`{match: {prefix: /}, direct_response: {status: 200, body: {inline_string: new}}}`))
	if got := <-result; got != "done" {
		t.Fatalf("in-flight request got %q", got)
	}
	if _, body := get(t, u+"/"); body != "new" {
		t.Fatalf("new config not serving on the same socket: %q", body)
	}
}
