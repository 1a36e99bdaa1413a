package main

import (
	"encoding/json"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
)

// TestPluginDoneSendsBatch: an instance the host discards sends what it
// batched at once (no tick needed) and tells the host it is done only when
// the report was answered.
func TestPluginDoneSendsBatch(t *testing.T) {
	dual.RunNative(t, serverFilter(), func(t *testing.T, h proxytest.HostEmulator) {
		serveThree(t, h)
		if h.FinishVM() {
			t.Fatal("OnPluginDone returned true with a report in flight")
		}
		calls := h.GetCalloutAttributesFromContext(proxytest.PluginContextID)
		if len(calls) != 1 || calls[0].Upstream != "meshd-report" {
			t.Fatalf("report calls %+v, want one to meshd-report", calls)
		}
		var recs []record
		if err := json.Unmarshal(calls[0].Body, &recs); err != nil || len(recs) != 3 {
			t.Fatalf("report body %s: %v", calls[0].Body, err)
		}
		r := h.(proxytest.PluginDoneReporter)
		if r.PluginDoneCalled() {
			t.Fatal("PluginDone before the report was answered")
		}
		h.CallOnHttpCallResponse(calls[0].CalloutID, [][2]string{{":status", "204"}}, nil, nil)
		if !r.PluginDoneCalled() {
			t.Fatal("PluginDone not called after the last report was answered")
		}
	})
}

// TestPluginDoneWaitsForTickReports: reports a tick sent earlier are
// waited for too, failed ones included; with nothing in flight the
// instance is done at once.
func TestPluginDoneWaitsForTickReports(t *testing.T) {
	dual.RunNative(t, serverFilter(), func(t *testing.T, h proxytest.HostEmulator) {
		serveThree(t, h)
		h.Tick()
		calls := h.GetCalloutAttributesFromContext(proxytest.PluginContextID)
		if len(calls) != 1 {
			t.Fatalf("%d reports after the tick, want 1", len(calls))
		}
		if h.FinishVM() {
			t.Fatal("OnPluginDone returned true with the tick's report in flight")
		}
		if n := len(h.GetCalloutAttributesFromContext(proxytest.PluginContextID)); n != 1 {
			t.Fatalf("%d reports in flight, want still 1 (nothing new batched)", n)
		}
		h.CallOnHttpCallResponse(calls[0].CalloutID, nil, nil, nil) // failed
		if !h.(proxytest.PluginDoneReporter).PluginDoneCalled() {
			t.Fatal("PluginDone not called after the failed report")
		}
		if n, _ := h.GetCounterMetric("wasmesh_telemetry_reports_dropped_total"); n != 1 {
			t.Errorf("%d batches dropped, want the failed one", n)
		}
	})
	dual.RunNative(t, serverFilter(), func(t *testing.T, h proxytest.HostEmulator) {
		serveThree(t, h)
		h.Tick()
		calls := h.GetCalloutAttributesFromContext(proxytest.PluginContextID)
		h.CallOnHttpCallResponse(calls[0].CalloutID, [][2]string{{":status", "204"}}, nil, nil)
		if !h.FinishVM() {
			t.Error("OnPluginDone returned false with nothing batched or in flight")
		}
	})
}

// TestPluginDoneWithoutReports: without a report cluster there is nothing
// to send.
func TestPluginDoneWithoutReports(t *testing.T) {
	f := dual.Filter{Package: ".", VMContext: &vm{}, PluginConfiguration: []byte(`{"reporter":"destination"}`), Properties: node("reviews-v1", "reviews", "v1")}
	dual.RunNative(t, f, func(t *testing.T, h proxytest.HostEmulator) {
		if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
			t.Fatalf("plugin did not start: %q", h.GetCriticalLogs())
		}
		id := h.InitializeHttpContext()
		h.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "reviews:9080"}}, true)
		h.CallOnResponseHeaders(id, [][2]string{{":status", "200"}}, true)
		h.CompleteHttpContext(id)
		if !h.FinishVM() || len(h.GetCalloutAttributesFromContext(proxytest.PluginContextID)) != 0 {
			t.Error("OnPluginDone without a report cluster: not done at once, or a report sent")
		}
	})
}
