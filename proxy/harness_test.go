package proxy

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"sigs.k8s.io/yaml"

	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/xdsclient"
)

// res decodes a YAML resource with an "@type" key.
func res(t testing.TB, y string) proto.Message {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	var a anypb.Any
	if err := protojson.Unmarshal(js, &a); err != nil {
		t.Fatalf("decode %s: %v", y, err)
	}
	m, err := a.UnmarshalNew()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// httpListener is a listener on 127.0.0.1:0 with an HCM using RDS route "rds",
// the given extra HTTP filters (YAML list items) and the router.
func httpListener(name, filters string) string {
	return fmt.Sprintf(`
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: %s
address: {socket_address: {address: 127.0.0.1, port_value: 0}}
filter_chains:
- filters:
  - name: envoy.filters.network.http_connection_manager
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
      stat_prefix: %s
      rds: {route_config_name: rds, config_source: {ads: {}}}
      upgrade_configs: [{upgrade_type: websocket}]
      access_log: [{name: envoy.access_loggers.stdout, typed_config: {"@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog}}]
      http_filters:
%s
      - name: envoy.filters.http.router
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
`, name, name, filters)
}

// staticCluster is a STATIC cluster over addrs with extra YAML fields.
func staticCluster(name string, extra string, addrs ...string) string {
	var eps []string
	for _, a := range addrs {
		h, p, _ := net.SplitHostPort(a)
		eps = append(eps, fmt.Sprintf("{endpoint: {address: {socket_address: {address: %s, port_value: %s}}}}", h, p))
	}
	return fmt.Sprintf(`
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: %s
type: STATIC
connect_timeout: 1s
load_assignment: {cluster_name: %s, endpoints: [{lb_endpoints: [%s]}]}
%s
`, name, name, strings.Join(eps, ", "), extra)
}

type env struct {
	t      testing.TB
	p      *Proxy
	cancel context.CancelFunc
	done   chan error
	log    *lockedBuf
}

type lockedBuf struct {
	ch chan string
}

func (b *lockedBuf) Write(p []byte) (int, error) {
	select {
	case b.ch <- string(p):
	default:
	}
	return len(p), nil
}

// start runs a proxy with static resources (listeners, clusters, secrets).
func start(t testing.TB, resources ...proto.Message) *env {
	t.Helper()
	b := &config.Bootstrap{}
	for _, r := range resources {
		switch m := r.(type) {
		case *listenerv3.Listener:
			b.Listeners = append(b.Listeners, m)
		case *clusterv3.Cluster:
			b.Clusters = append(b.Clusters, m)
		case *tlsv3.Secret:
			b.Secrets = append(b.Secrets, m)
		default:
			t.Fatalf("not a static resource: %T", r)
		}
	}
	lb := &lockedBuf{ch: make(chan string, 1000)}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	p, err := New(Config{Logger: log, Bootstrap: b, AdminAddr: "127.0.0.1:0", AccessLog: lb, Drain: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{t: t, p: p, cancel: cancel, done: make(chan error, 1), log: lb}
	go func() { e.done <- p.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for p.AdminAddr() == nil {
		if time.Now().After(deadline) {
			t.Fatal("proxy did not start")
		}
		select {
		case err := <-e.done:
			t.Fatalf("proxy exited: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Cleanup(e.stop)
	return e
}

func (e *env) stop() {
	e.cancel()
	select {
	case <-e.done:
	case <-time.After(10 * time.Second):
		e.t.Error("proxy did not stop")
	}
}

// routes pushes an RDS RouteConfiguration named "rds" and waits for listener l.
func (e *env) routes(l string, y string) string {
	e.t.Helper()
	if err := e.p.OnUpdate(xdsclient.RouteType, "r1", map[string]proto.Message{"rds": res(e.t, y)}); err != nil {
		e.t.Fatal(err)
	}
	return e.url(l)
}

func (e *env) url(l string) string {
	e.t.Helper()
	a := e.p.ListenerAddr(l)
	if a == nil {
		e.t.Fatalf("listener %s not active", l)
	}
	return "http://" + a.String()
}

// backend is an HTTP server that names itself and counts requests.
type backend struct {
	*httptest.Server
	name string
	hits atomic.Int64
}

func newBackend(t testing.TB, name string, h func(w http.ResponseWriter, r *http.Request)) *backend {
	b := &backend{name: name}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		w.Header().Set("X-Backend", name)
		if h != nil {
			h(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%s %s %s %s", name, r.Host, r.URL.RequestURI(), r.Header.Get("X-Added"))
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *backend) addr() string { return strings.TrimPrefix(b.URL, "http://") }

var client = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport: &http.Transport{MaxIdleConnsPerHost: 100}}

func get(t testing.TB, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "host") {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func drain(resp *http.Response) (int64, error) {
	defer resp.Body.Close()
	return io.Copy(io.Discard, resp.Body)
}
