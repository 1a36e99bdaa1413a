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
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"

	"github.com/wasmesh/wasmesh/control/report"
	"github.com/wasmesh/wasmesh/internal/syncbuf"
	"github.com/wasmesh/wasmesh/proxy"
	proxyconfig "github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/wasmfilter"
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

// TestRecordsSurviveProxyShutdown: the filter in meshproxy's data plane
// (listener, Wasm HTTP filter, router, a cluster for meshd's report sink),
// shut down as meshproxy shuts down (Proxy.Run returns, then the Wasm
// factory closes): the requests batched in the filter reach the sink.
func TestRecordsSurviveProxyShutdown(t *testing.T) {
	sink := report.New(report.DefaultCapacity)
	sinkSrv := httptest.NewServer(sink)
	defer sinkSrv.Close()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer backend.Close()
	module := filepath.Join(t.TempDir(), "telemetry.wasm")
	if err := os.WriteFile(module, dual.Build(t, "."), 0o644); err != nil {
		t.Fatal(err)
	}
	cluster := func(name, url string) *clusterv3.Cluster {
		h, p, _ := strings.Cut(strings.TrimPrefix(url, "http://"), ":")
		return anyRes(t, fmt.Sprintf(`{"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster", "name": %q, "type": "STATIC",
			"load_assignment": {"cluster_name": %[1]q, "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": %q, "port_value": %s}}}}]}]}}`,
			name, h, p)).(*clusterv3.Cluster)
	}
	cfg := `{\"reporter\":\"destination\",\"reportCluster\":\"sink\",\"batchMaxTime\":\"1h\"}`
	lst := anyRes(t, fmt.Sprintf(`{"@type": "type.googleapis.com/envoy.config.listener.v3.Listener", "name": "l",
		"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}},
		"filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager", "typed_config": {
			"@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
			"stat_prefix": "l",
			"route_config": {"name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"], "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "be"}}]}]},
			"http_filters": [
				{"name": "envoy.filters.http.wasm", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
					"config": {"name": "stats-inbound", "root_id": "stats-inbound",
						"configuration": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "%s"},
						"vm_config": {"vm_id": "stats-inbound", "runtime": "envoy.wasm.runtime.v8", "code": {"local": {"filename": %q}}}}}},
				{"name": "envoy.filters.http.router", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]}}]}]}`,
		cfg, module)).(*listenerv3.Listener)
	logs := &syncbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	defer func() {
		if t.Failed() {
			t.Logf("proxy log:\n%s", logs.String())
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wf, err := wasmfilter.New(ctx, wasmfilter.Config{Logger: log, CacheDir: t.TempDir(), NodeID: "sidecar~127.0.0.1~reviews-v1.bookinfo~bookinfo.svc.cluster.local",
		NodeMetadata: map[string]string{"WORKLOAD_NAME": "reviews-v1", "NAMESPACE": "bookinfo"}})
	if err != nil {
		t.Fatal(err)
	}
	px, err := proxy.New(proxy.Config{Logger: log, Wasm: wf, Bootstrap: &proxyconfig.Bootstrap{Listeners: []*listenerv3.Listener{lst},
		Clusters: []*clusterv3.Cluster{cluster("be", backend.URL), cluster("sink", sinkSrv.URL)}}})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- px.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for px.ListenerAddr("l") == nil {
		if time.Now().After(deadline) {
			t.Fatal("listener never came up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	url := "http://" + px.ListenerAddr("l").String()
	want := map[string]int{}
	for i := range 3 {
		path := fmt.Sprintf("/shutdown-%d", i)
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
		want[path] = 1
	}
	http.DefaultClient.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond) // the streams' ends run after the responses
	if n := sink.Stats().Stored; n != 0 {
		t.Fatalf("%d records reached the sink before shutdown; the test needs them batched", n)
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatalf("proxy run: %v", err)
	}
	if err := wf.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range sink.Records(report.Query{Limit: report.DefaultCapacity}) {
		got[r.Path]++
	}
	if !maps.Equal(got, want) {
		t.Errorf("sink holds %v after shutdown, want %v", got, want)
	}
}

// anyRes decodes an xDS resource from its JSON form with @type.
func anyRes(t *testing.T, js string) proto.Message {
	t.Helper()
	var a anypb.Any
	if err := protojson.Unmarshal([]byte(js), &a); err != nil {
		t.Fatal(err)
	}
	m, err := a.UnmarshalNew()
	if err != nil {
		t.Fatal(err)
	}
	return m
}
