package main

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/control/report"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
)

func node(workload, app, version string) []dual.Property {
	md := func(k, v string) dual.Property {
		return dual.Property{Path: []string{"node", "metadata", k}, Value: []byte(v)}
	}
	return []dual.Property{
		md("WORKLOAD_NAME", workload), md("NAMESPACE", "bookinfo"), md("APP", app), md("VERSION", version),
		{Path: []string{"connection", "uri_san_peer_certificate"}, Value: []byte("spiffe://cluster.local/ns/bookinfo/sa/productpage")},
		{Path: []string{"connection", "mtls"}, Value: []byte{1}},
		{Path: []string{"destination", "service"}, Value: []byte("reviews.bookinfo.svc.cluster.local")},
	}
}

var client = peerInfo{Workload: "productpage-v1", Namespace: "bookinfo", App: "productpage", Version: "v1", Service: "productpage"}

func serverFilter() dual.Filter {
	cfg := `{"reporter":"destination","reportCluster":"meshd-report","batchMaxEntries":100,"batchMaxTime":"1s"}`
	return dual.Filter{Package: ".", VMContext: &vm{}, PluginConfiguration: []byte(cfg), Properties: node("reviews-v2", "reviews", "v2")}
}

// serveThree plays the destination sidecar of reviews: three requests from
// productpage (whose client sidecar sent its metadata), answered 200, 200, 503.
func serveThree(t *testing.T, h proxytest.HostEmulator) {
	if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
		t.Fatalf("plugin did not start: %q", h.GetCriticalLogs())
	}
	for _, code := range []string{"200", "200", "503"} {
		id := h.InitializeHttpContext()
		h.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/reviews/0"}, {":authority", "reviews:9080"}, {peerHeader, client.encode()}}, true)
		for _, kv := range h.GetCurrentRequestHeaders(id) {
			if kv[0] == peerHeader {
				t.Error("peer header was passed on to the app")
			}
		}
		resp := [][2]string{{":status", code}}
		if code == "503" {
			resp = append(resp, [2]string{reasonHeader, "overloaded"})
		}
		h.CallOnResponseHeaders(id, resp, true)
		sent := false
		for _, kv := range h.GetCurrentResponseHeaders(id) {
			if kv[0] == peerHeader {
				p, err := decodePeer(kv[1])
				sent = err == nil && p.Workload == "reviews-v2"
			}
		}
		if !sent {
			t.Error("own metadata not sent back to the client sidecar")
		}
		h.CompleteHttpContext(id)
	}
}

// TestServerSideMetrics asserts exact counts per label set.
func TestServerSideMetrics(t *testing.T) {
	dual.Run(t, serverFilter(), func(t *testing.T, h proxytest.HostEmulator) {
		serveThree(t, h)
		want := facts{Reporter: "destination", Self: peerInfo{Workload: "reviews-v2", Namespace: "bookinfo", App: "reviews", Version: "v2", Service: "reviews", Revision: "v2"},
			Peer: client, SourcePrincipal: "spiffe://cluster.local/ns/bookinfo/sa/productpage",
			DestService: "reviews.bookinfo.svc.cluster.local", Protocol: "http", ResponseCode: 200, MutualTLS: true}
		if n, err := h.GetCounterMetric(metricName(metricRequests, labels(want))); err != nil || n != 2 {
			t.Errorf("200s counted %d (%v), want 2", n, err)
		}
		want.ResponseCode = 503
		if n, err := h.GetCounterMetric(metricName(metricRequests, labels(want))); err != nil || n != 1 {
			t.Errorf("503s counted %d (%v), want 1", n, err)
		}
	})
}

// TestReportsBatched drives the tick by hand (natively; on the real host the
// tick runs on its own timer, which the e2e tests cover).
func TestReportsBatched(t *testing.T) {
	dual.RunNative(t, serverFilter(), func(t *testing.T, h proxytest.HostEmulator) {
		serveThree(t, h)
		if h.GetTickPeriod() != 1000 {
			t.Errorf("tick period %d, want 1000", h.GetTickPeriod())
		}
		h.Tick()
		calls := h.GetCalloutAttributesFromContext(proxytest.PluginContextID)
		if len(calls) != 1 || calls[0].Upstream != "meshd-report" {
			t.Fatalf("report calls %+v, want one to meshd-report", calls)
		}
		var recs []record
		if err := json.Unmarshal(calls[0].Body, &recs); err != nil || len(recs) != 3 {
			t.Fatalf("report body %s: %v", calls[0].Body, err)
		}
		if recs[0].TimeNanos <= 0 || recs[2].Code != 503 || recs[2].Reason != "overloaded" || recs[0].Reason != "" || recs[0].Source != "productpage-v1.bookinfo" || recs[0].Destination != "reviews-v2.bookinfo" {
			t.Errorf("records %+v", recs)
		}
		// meshd's sink reads the batch as sent (time as Unix nanoseconds).
		sunk, err := report.DecodeBatch(calls[0].Body)
		if err != nil || len(sunk) != 3 || sunk[0].Time.UnixNano() != recs[0].TimeNanos || sunk[0].Time.IsZero() ||
			sunk[2].Reason != "overloaded" || sunk[1].Destination != "reviews-v2.bookinfo" || sunk[1].Principal != recs[1].Principal {
			t.Errorf("sink decoded %+v (%v) from %s", sunk, err, calls[0].Body)
		}
		h.CallOnHttpCallResponse(calls[0].CalloutID, [][2]string{{":status", "204"}}, nil, nil)
		if n, _ := h.GetCounterMetric("wasmesh_telemetry_reports_dropped_total"); n != 0 {
			t.Errorf("%d reports dropped", n)
		}
		h.Tick() // nothing batched: no call
		if calls := h.GetCalloutAttributesFromContext(proxytest.PluginContextID); len(calls) != 0 {
			t.Errorf("empty tick sent %d reports", len(calls))
		}
	})
}

// TestClientSideSendsMetadata plays the source sidecar: it announces itself
// on the request and learns the server from the response.
func TestClientSideSendsMetadata(t *testing.T) {
	f := dual.Filter{Package: ".", VMContext: &vm{}, PluginConfiguration: []byte(`{"reporter":"source"}`), Properties: node("productpage-v1", "productpage", "v1")}
	server := peerInfo{Workload: "reviews-v3", Namespace: "bookinfo", App: "reviews", Version: "v3"}
	dual.Run(t, f, func(t *testing.T, h proxytest.HostEmulator) {
		if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
			t.Fatal("plugin did not start")
		}
		id := h.InitializeHttpContext()
		h.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "reviews.bookinfo.svc.cluster.local:9080"}}, true)
		var announced peerInfo
		for _, kv := range h.GetCurrentRequestHeaders(id) {
			if kv[0] == peerHeader {
				announced, _ = decodePeer(kv[1])
			}
		}
		if announced.Workload != "productpage-v1" {
			t.Errorf("request did not carry our metadata: %+v", announced)
		}
		h.CallOnResponseHeaders(id, [][2]string{{":status", "200"}, {peerHeader, server.encode()}}, true)
		for _, kv := range h.GetCurrentResponseHeaders(id) {
			if kv[0] == peerHeader {
				t.Error("peer header was passed on to the app")
			}
		}
		h.CompleteHttpContext(id)
		name := metricName(metricRequests, labels(facts{Reporter: "source", Self: selfFromNode(), Peer: server,
			SourcePrincipal: "", DestPrincipal: "spiffe://cluster.local/ns/bookinfo/sa/productpage",
			DestService: "reviews.bookinfo.svc.cluster.local", Protocol: "http", ResponseCode: 200, MutualTLS: true}))
		if n, err := h.GetCounterMetric(name); err != nil || n != 1 {
			t.Errorf("client-side count %d (%v) for %s", n, err, name)
		}
	})
}

func selfFromNode() peerInfo {
	return peerInfo{Workload: "productpage-v1", Namespace: "bookinfo", App: "productpage", Version: "v1", Service: "productpage", Revision: "v1"}
}

// TestNoConfiguration: every setting has a default, so a plugin without a
// configuration starts (Istio's stats plugin needs none either).
func TestNoConfiguration(t *testing.T) {
	f := dual.Filter{Package: ".", VMContext: &vm{}, Properties: node("reviews-v1", "reviews", "v1")}
	dual.Run(t, f, func(t *testing.T, h proxytest.HostEmulator) {
		if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
			t.Fatalf("plugin without configuration did not start: %q", h.GetCriticalLogs())
		}
	})
}

// TestReporterFromListenerDirection: without a configured reporter, each
// stream reports from the side its listener is on.
func TestReporterFromListenerDirection(t *testing.T) {
	props := append(node("reviews-v1", "reviews", "v1"), dual.Property{Path: []string{"xds", "listener_direction"}, Value: []byte("inbound")})
	dual.Run(t, dual.Filter{Package: ".", VMContext: &vm{}, Properties: props}, func(t *testing.T, h proxytest.HostEmulator) {
		if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
			t.Fatal("plugin did not start")
		}
		id := h.InitializeHttpContext()
		h.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "reviews:9080"}}, true)
		h.CallOnResponseHeaders(id, [][2]string{{":status", "200"}}, true)
		h.CompleteHttpContext(id)
		self := peerInfo{Workload: "reviews-v1", Namespace: "bookinfo", App: "reviews", Version: "v1", Service: "reviews", Revision: "v1"}
		name := metricName(metricRequests, labels(facts{Reporter: "destination", Self: self,
			SourcePrincipal: "spiffe://cluster.local/ns/bookinfo/sa/productpage", DestService: "reviews.bookinfo.svc.cluster.local",
			Protocol: "http", ResponseCode: 200, MutualTLS: true}))
		if n, err := h.GetCounterMetric(name); err != nil || n != 1 {
			t.Errorf("inbound stream not reported as destination: %d %v", n, err)
		}
	})
}

// TestCountsStreamsAnsweredEarlier: when a filter before telemetry answers
// the request (authz denying it), only the stream-done callback runs here,
// and the request is still counted from the stream's properties.
func TestCountsStreamsAnsweredEarlier(t *testing.T) {
	props := append(node("reviews-v1", "reviews", "v1"),
		dual.Property{Path: []string{"xds", "listener_direction"}, Value: []byte("inbound")},
		dual.Property{Path: []string{"request", "method"}, Value: []byte("GET")},
		dual.Property{Path: []string{"request", "path"}, Value: []byte("/admin")},
		dual.Property{Path: []string{"request", "headers", peerHeader}, Value: []byte(client.encode())},
		dual.Property{Path: []string{"response", "code"}, Value: []byte("403")})
	dual.Run(t, dual.Filter{Package: ".", VMContext: &vm{}, Properties: props}, func(t *testing.T, h proxytest.HostEmulator) {
		if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
			t.Fatal("plugin did not start")
		}
		id := h.InitializeHttpContext()
		h.CompleteHttpContext(id)
		self := peerInfo{Workload: "reviews-v1", Namespace: "bookinfo", App: "reviews", Version: "v1", Service: "reviews", Revision: "v1"}
		name := metricName(metricRequests, labels(facts{Reporter: "destination", Self: self, Peer: client,
			SourcePrincipal: "spiffe://cluster.local/ns/bookinfo/sa/productpage", DestService: "reviews.bookinfo.svc.cluster.local",
			Protocol: "http", ResponseCode: 403, MutualTLS: true}))
		if n, err := h.GetCounterMetric(name); err != nil || n != 1 {
			t.Errorf("denied request not counted: %d %v", n, err)
		}
	})
}

// TestSeriesCacheBound: more label sets than the series cache holds (one
// per calling workload here) are all counted, and a label set seen again
// after the cache started over still counts on its first metric.
func TestSeriesCacheBound(t *testing.T) {
	f := dual.Filter{Package: ".", VMContext: &vm{}, PluginConfiguration: []byte(`{"reporter":"destination"}`), Properties: node("reviews-v2", "reviews", "v2")}
	dual.Run(t, f, func(t *testing.T, h proxytest.HostEmulator) {
		if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
			t.Fatalf("plugin did not start: %q", h.GetCriticalLogs())
		}
		caller := func(i int) peerInfo {
			return peerInfo{Workload: "client-" + strconv.Itoa(i), Namespace: "bookinfo"}
		}
		serve := func(p peerInfo) {
			id := h.InitializeHttpContext()
			h.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "reviews:9080"}, {peerHeader, p.encode()}}, true)
			h.CallOnResponseHeaders(id, [][2]string{{":status", "200"}}, true)
			h.CompleteHttpContext(id)
		}
		for i := range maxSeries + 2 {
			serve(caller(i))
		}
		serve(caller(0))
		self := peerInfo{Workload: "reviews-v2", Namespace: "bookinfo", App: "reviews", Version: "v2", Service: "reviews", Revision: "v2"}
		for i, want := range map[int]uint64{0: 2, 1: 1, maxSeries + 1: 1} {
			name := metricName(metricRequests, labels(facts{Reporter: "destination", Self: self, Peer: caller(i),
				SourcePrincipal: "spiffe://cluster.local/ns/bookinfo/sa/productpage", DestService: "reviews.bookinfo.svc.cluster.local",
				Protocol: "http", ResponseCode: 200, MutualTLS: true}))
			if n, err := h.GetCounterMetric(name); err != nil || n != want {
				t.Errorf("caller %d counted %d (%v), want %d", i, n, err, want)
			}
		}
	})
}
