package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/report"
	"github.com/wasmesh/wasmesh/internal/syncbuf"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// sinkDispatcher sends the filter's http calls for cluster "meshd-report"
// to meshd's report sink over a real loopback socket.
type sinkDispatcher struct{ url string }

var _ host.HTTPCallDispatcher = sinkDispatcher{}

func (d sinkDispatcher) Dispatch(ctx context.Context, req host.HTTPCallRequest, done func(host.HTTPCallResponse)) {
	go func() { done(d.post(ctx, req)) }()
}

func (d sinkDispatcher) post(ctx context.Context, req host.HTTPCallRequest) host.HTTPCallResponse {
	if req.Cluster != "meshd-report" {
		return host.HTTPCallResponse{Err: fmt.Errorf("no cluster %q", req.Cluster)}
	}
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	var path string
	for _, p := range req.Headers {
		if p.Key == ":path" {
			path = p.Value
		}
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url+path, bytes.NewReader(req.Body))
	if err != nil {
		return host.HTTPCallResponse{Err: err}
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return host.HTTPCallResponse{Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return host.HTTPCallResponse{Headers: []abi.Pair{{Key: ":status", Value: fmt.Sprint(resp.StatusCode)}}, Body: body}
}

// mapProps answers a stream's properties.
type mapProps map[string]string

func (m mapProps) Property(path []string) ([]byte, bool) {
	v, ok := m[strings.Join(path, ".")]
	return []byte(v), ok
}

// TestRecordsSurviveReload: the compiled filter on the real Wasm host,
// reporting to meshd's report sink over loopback with a batch time far
// beyond the test, so records leave an instance only when it is discarded.
// A reload (the new plugin loaded, the old one closed) delivers every record
// the old plugin's two instances batched, and closing the host delivers the
// new plugin's.
func TestRecordsSurviveReload(t *testing.T) {
	sink := report.New(report.DefaultCapacity)
	var posts atomic.Int32 // batches
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
		sink.ServeHTTP(w, r)
	}))
	defer srv.Close()
	logs := &syncbuf.Buffer{}
	ctx := context.Background()
	h, err := host.New(ctx, host.Config{Logger: slog.New(slog.NewTextHandler(logs, nil)), HTTPCalls: sinkDispatcher{url: srv.URL},
		NodeMetadata: map[string]string{"WORKLOAD_NAME": "reviews-v1", "NAMESPACE": "bookinfo", "APP": "reviews", "VERSION": "v1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("host log:\n%s", logs.String())
		}
	}()
	module := dual.Build(t, ".")
	load := func(cfg string) *host.Plugin {
		t.Helper()
		p, err := h.Load(ctx, host.PluginConfig{Name: "stats-inbound", VMID: "stats-inbound", Module: module, PoolSize: 2,
			Configuration: []byte(cfg)})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// open runs a request through p and returns its stream, still open:
	// streams open at once land on different instances.
	open := func(p *host.Plugin, path string) *host.HTTPStream {
		t.Helper()
		s := p.NewHTTPStream(mapProps{"request.path": path}, host.StreamCallbacks{})
		t.Cleanup(s.Done)
		req := host.Headers{{Key: ":method", Value: "GET"}, {Key: ":path", Value: path}, {Key: ":authority", Value: "reviews:9080"}}
		resp := host.Headers{{Key: ":status", Value: "200"}}
		if r := s.OnRequestHeaders(&req, true); r.Err != nil {
			t.Fatal(r.Err)
		}
		if r := s.OnResponseHeaders(&resp, true); r.Err != nil {
			t.Fatal(r.Err)
		}
		return s
	}
	sunk := func() map[string]int {
		got := map[string]int{}
		for _, r := range sink.Records(report.Query{Limit: report.DefaultCapacity}) {
			got[r.Path]++
		}
		return got
	}
	waitSunk := func(what string, want map[string]int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !maps.Equal(sunk(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: sink holds %v, want %v", what, sunk(), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	const cfg = `{"reporter":"destination","reportCluster":"meshd-report","batchMaxTime":"1h","batchMaxEntries":1000}`
	old := load(cfg)
	want := map[string]int{}
	for i := range 5 {
		a, b := fmt.Sprintf("/old-%d-a", i), fmt.Sprintf("/old-%d-b", i)
		sa, sb := open(old, a), open(old, b)
		sa.Done()
		sb.Done()
		want[a], want[b] = 1, 1
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(sunk()); n != 0 {
		t.Fatalf("%d records reached the sink before the reload; the test needs them batched", n)
	}

	reloaded := load(strings.Replace(cfg, "1000", "999", 1)) // the new configuration
	if err := old.Close(ctx); err != nil {
		t.Fatal(err)
	}
	waitSunk("after the reload", want)
	if n := posts.Load(); n != 2 {
		t.Errorf("%d batches after the reload, want one from each of the old plugin's two instances", n)
	}

	open(reloaded, "/new").Done()
	want["/new"] = 1
	if err := h.Close(ctx); err != nil {
		t.Fatal(err)
	}
	waitSunk("after the host closed", want)
	if st := sink.Stats(); st.Rejected != 0 {
		t.Errorf("sink rejected %d batches", st.Rejected)
	}
}
