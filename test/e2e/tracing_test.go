package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"

	"github.com/wasmesh/wasmesh/test/fixture"
)

// otlpReceiver is a real OTLP/gRPC trace collector on loopback.
type otlpReceiver struct {
	collectorpb.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (c *otlpReceiver) Export(_ context.Context, r *collectorpb.ExportTraceServiceRequest) (*collectorpb.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range r.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			c.spans = append(c.spans, ss.GetSpans()...)
		}
	}
	return &collectorpb.ExportTraceServiceResponse{}, nil
}

// startOTLP runs an OTLP/gRPC trace collector on loopback until the test
// ends and returns it with its address.
func startOTLP(t *testing.T) (*otlpReceiver, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rcv := &otlpReceiver{}
	gs := grpc.NewServer()
	collectorpb.RegisterTraceServiceServer(gs, rcv)
	go func() { _ = gs.Serve(ln) }()
	t.Cleanup(gs.Stop)
	return rcv, ln.Addr().String()
}

func (c *otlpReceiver) snapshot() []*tracepb.Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*tracepb.Span(nil), c.spans...)
}

// tracedHop writes a static meshproxy bootstrap: one listener on port whose
// HCM traces to the collector (OpenTelemetry over gRPC, 100 % sampling) and
// routes everything to next (host:port).
func tracedHop(t *testing.T, dir, name string, port int, next, collector string) string {
	h, p, _ := net.SplitHostPort(next)
	y := fmt.Sprintf(`node: {id: "sidecar~127.0.0.1~%[1]s.default~default.svc.cluster.local", cluster: %[1]s}
static_resources:
  clusters:
  - name: next
    type: STATIC
    connect_timeout: 1s
    load_assignment: {cluster_name: next, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: %[2]s, port_value: %[3]s}}}}]}]}
  - name: otel
    type: STATIC
    connect_timeout: 1s
    http2_protocol_options: {}
    load_assignment: {cluster_name: otel, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %[6]s}}}}]}]}
  listeners:
  - name: %[1]s
    address: {socket_address: {address: 127.0.0.1, port_value: %[4]d}}
    traffic_direction: %[5]s
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: %[1]s
          tracing:
            random_sampling: {value: 100}
            custom_tags: [{tag: istio.mesh_id, literal: {value: mesh1}}, {tag: node_id, literal: {value: %[1]s}}]
            provider:
              name: envoy.tracers.opentelemetry
              typed_config:
                "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
                service_name: %[1]s.default
                grpc_service: {envoy_grpc: {cluster_name: otel}}
          route_config:
            name: r
            virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: next}}]}]
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
`, name, h, p, port, map[bool]string{true: "OUTBOUND", false: "INBOUND"}[name == "hop1"], portOf(collector))
	f := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(f, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func portOf(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }

// TestTracingThreeHops sends one request through three meshproxy processes
// (each exporting to a real OTLP/gRPC receiver through its own cluster) and
// asserts one trace: hop1's span is the root, hop2's its child, hop3's the
// grandchild; the backend gets W3C and B3 headers of that trace.
func TestTracingThreeHops(t *testing.T) {
	rcv, collector := startOTLP(t)
	seen := make(chan http.Header, 1)
	be := fixture.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case seen <- r.Header.Clone():
		default:
		}
		_, _ = io.WriteString(w, "ok")
	}))

	dir := t.TempDir()
	p1, p2, p3 := fixture.FreePort(t), fixture.FreePort(t), fixture.FreePort(t)
	next := map[string]string{"hop1": fmt.Sprintf("127.0.0.1:%d", p2), "hop2": fmt.Sprintf("127.0.0.1:%d", p3), "hop3": be}
	ports := map[string]int{"hop1": p1, "hop2": p2, "hop3": p3}
	for _, name := range []string{"hop3", "hop2", "hop1"} {
		f := tracedHop(t, dir, name, ports[name], next[name], collector)
		start(t, "meshproxy "+name, "--bootstrap", f, "--admin-port", "0", "--stats-port", "0", "--status-port", "0",
			"--health-port", "0", "--access-log=false")
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/trace-me", p1)
	fixture.WaitHTTP(t, nil, url, 20*time.Second)
	// WaitHTTP's requests were traced too: take the last request's trace.
	time.Sleep(1500 * time.Millisecond)
	before := len(rcv.snapshot())
	select {
	case <-seen:
	default:
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	h := <-seen
	tp := h.Get("Traceparent")
	if len(tp) != 55 || h.Get("X-B3-Traceid") != tp[3:35] {
		t.Fatalf("backend headers: traceparent %q, x-b3-traceid %q", tp, h.Get("X-B3-Traceid"))
	}
	traceID := tp[3:35]
	var spans []*tracepb.Span
	deadline := time.Now().Add(10 * time.Second)
	for {
		spans = nil
		for _, s := range rcv.snapshot()[before:] {
			if hex.EncodeToString(s.GetTraceId()) == traceID {
				spans = append(spans, s)
			}
		}
		if len(spans) >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(spans) != 3 {
		t.Fatalf("trace %s has %d spans, want 3 (traceparent %s, %d spans received in all)", traceID, len(spans), tp, len(rcv.snapshot()))
	}
	byNode := map[string]*tracepb.Span{}
	for _, s := range spans {
		tags := map[string]string{}
		for _, kv := range s.GetAttributes() {
			tags[kv.GetKey()] = kv.GetValue().GetStringValue()
		}
		byNode[tags["node_id"]] = s
		for k, v := range map[string]string{"http.method": "GET", "http.status_code": "200", "upstream_cluster": "next",
			"component": "proxy", "istio.mesh_id": "mesh1", "response_flags": "-"} {
			if tags[k] != v {
				t.Errorf("%s: tag %s = %q, want %q", tags["node_id"], k, tags[k], v)
			}
		}
		if !strings.HasSuffix(tags["http.url"], "/trace-me") {
			t.Errorf("%s: http.url %q", tags["node_id"], tags["http.url"])
		}
	}
	h1, h2, h3 := byNode["hop1"], byNode["hop2"], byNode["hop3"]
	if h1 == nil || h2 == nil || h3 == nil {
		t.Fatalf("spans by node: %v", byNode)
	}
	if len(h1.GetParentSpanId()) != 0 {
		t.Errorf("hop1 span has parent %x, want a root", h1.GetParentSpanId())
	}
	if string(h2.GetParentSpanId()) != string(h1.GetSpanId()) || string(h3.GetParentSpanId()) != string(h2.GetSpanId()) {
		t.Error("spans do not chain hop1 → hop2 → hop3")
	}
	if h1.GetKind() != tracepb.Span_SPAN_KIND_CLIENT || h3.GetKind() != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("kinds: hop1 %v (outbound), hop3 %v (inbound)", h1.GetKind(), h3.GetKind())
	}
	if want := fmt.Sprintf("127.0.0.1:%d/*", p1); h1.GetName() != want {
		t.Errorf("hop1 span name %q, want %q", h1.GetName(), want)
	}
}
