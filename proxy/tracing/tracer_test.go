package tracing

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
)

// collector is a real OTLP/gRPC trace receiver on loopback.
type collector struct {
	collectorpb.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (c *collector) Export(_ context.Context, r *collectorpb.ExportTraceServiceRequest) (*collectorpb.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range r.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			c.spans = append(c.spans, ss.GetSpans()...)
		}
	}
	return &collectorpb.ExportTraceServiceResponse{}, nil
}

func startCollector(t *testing.T) (*collector, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	s := grpc.NewServer()
	collectorpb.RegisterTraceServiceServer(s, c)
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(s.Stop)
	return c, ln.Addr().String()
}

// hop is a stand-in for one proxy: it continues the trace, forwards to next
// (or answers) and ends its span, all through the Tracer's API.
func hop(t *testing.T, tr *Tracer, name, next string) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, sp := tr.Start(r, name, false, NewTags(map[string]string{"istio.mesh_id": "mesh1", "node_id": "n1"}))
		status := 200
		if next != "" {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
			req.Header = r.Header.Clone()
			tr.Inject(ctx, req.Header)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				status = 502
			} else {
				_, _ = io.Copy(w, resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
			}
		} else {
			fmt.Fprintf(w, "traceparent=%s b3=%s", r.Header.Get("traceparent"), r.Header.Get("X-B3-Traceid"))
		}
		sp.End(Result{Status: status, Flags: "-", Cluster: "outbound|80||" + name})
	}))
	t.Cleanup(s.Close)
	return s
}

// TestThreeHopsOneTrace: a request with a B3 parent crosses three tracing
// hops over real sockets; the OTLP receiver gets one trace whose spans chain
// parent to child, with Istio's tags.
func TestThreeHopsOneTrace(t *testing.T) {
	col, addr := startCollector(t)
	tr, err := New(context.Background(), Config{Endpoint: addr, SamplingPercent: 0})
	if err != nil {
		t.Fatal(err)
	}
	h3 := hop(t, tr, "c.default:80/*", "")
	h2 := hop(t, tr, "b.default:80/*", h3.URL)
	h1 := hop(t, tr, "a.default:80/*", h2.URL)
	req, _ := http.NewRequest(http.MethodGet, h1.URL+"/x", nil)
	const traceID = "463ac35c9f6413ad48485a3953bb6124"
	req.Header.Set("b3", traceID+"-0020000000000001-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := "b3=" + traceID; !strings.Contains(string(body), want) || !strings.Contains(string(body), "traceparent=00-"+traceID) {
		t.Fatalf("last hop saw %q, want both headers on trace %s", body, traceID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	if len(col.spans) != 3 {
		t.Fatalf("got %d spans, want 3", len(col.spans))
	}
	byName := map[string]*tracepb.Span{}
	for _, s := range col.spans {
		if hex.EncodeToString(s.GetTraceId()) != traceID {
			t.Errorf("span %s in trace %x, want %s", s.GetName(), s.GetTraceId(), traceID)
		}
		byName[s.GetName()] = s
	}
	a, b, c := byName["a.default:80/*"], byName["b.default:80/*"], byName["c.default:80/*"]
	if a == nil || b == nil || c == nil {
		t.Fatalf("span names: %v", byName)
	}
	if hex.EncodeToString(a.GetParentSpanId()) != "0020000000000001" {
		t.Errorf("first span's parent %x, want the B3 span id", a.GetParentSpanId())
	}
	if string(b.GetParentSpanId()) != string(a.GetSpanId()) || string(c.GetParentSpanId()) != string(b.GetSpanId()) {
		t.Error("spans do not chain a → b → c")
	}
	tags := map[string]string{}
	for _, kv := range c.GetAttributes() {
		tags[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	for k, v := range map[string]string{"http.method": "GET", "http.status_code": "200", "istio.mesh_id": "mesh1",
		"node_id": "n1", "component": "proxy", "upstream_cluster": "outbound|80||c.default:80/*", "response_flags": "-"} {
		if tags[k] != v {
			t.Errorf("tag %s = %q, want %q", k, tags[k], v)
		}
	}
}

// TestSamplingOff: with 0 % and no sampled parent no span is exported, but
// the trace context still propagates.
func TestSamplingOff(t *testing.T) {
	col, addr := startCollector(t)
	tr, err := New(context.Background(), Config{Endpoint: addr, SamplingPercent: 0})
	if err != nil {
		t.Fatal(err)
	}
	h := hop(t, tr, "a:80/*", "")
	resp, err := http.Get(h.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_ = tr.Shutdown(context.Background())
	col.mu.Lock()
	defer col.mu.Unlock()
	if len(col.spans) != 0 {
		t.Errorf("exported %d spans at 0%% sampling", len(col.spans))
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []Config{{}, {Endpoint: "x:1", SamplingPercent: 101}, {Endpoint: "x:1", Protocol: "udp"}} {
		if _, err := New(context.Background(), c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
