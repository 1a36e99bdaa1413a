package conformance

import (
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
	"github.com/wasmesh/wasmesh/test/conformance/guest"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// pluginChecks run in every mode: VM and plugin start, ticks, the queue.
var pluginChecks = []string{
	"vm_configuration", "plugin_configuration", "get_log_level", "current_time",
	"metric_counter", "metric_gauge", "metric_define_idempotent",
	"shared_data_missing", "shared_data_set", "shared_data_get", "shared_data_cas_mismatch",
	"shared_data_cas_set", "shared_data_cas_moved",
	"queue_register", "property_plugin_vm_id", "queue_resolve", "queue_resolve_missing",
	"queue_dequeue_empty", "queue_enqueue", "queue_ready_id", "queue_dequeue", "queue_ready",
	"property_plugin_name", "property_plugin_root_id", "property_missing", "property_empty_path",
	"foreign_function", "foreign_function_missing", "goroutines", "set_effective_context_root",
	"set_tick_period", "tick", "tick_stop",
}

var httpChecks = []string{
	"request_header_get", "request_headers_get", "header_map_size", "request_header_get_first",
	"request_header_missing", "request_header_add", "request_header_replace", "request_header_remove",
	"request_headers_mutated", "request_headers_replace_all", "request_headers_replaced",
	"property_map", "set_property", "get_set_property", "values_kept",
	"http_call_bad_headers", "http_call", "http_call_response_headers", "http_call_response_body",
	"http_call_response_trailers", "http_call_mutate_request", "resume_request",
	"request_body_get", "request_body_get_range", "buffer_status", "memory_gc_stress_setup", "memory_gc_stress", "request_body_prepend",
	"request_body_append", "request_body_edited", "request_body_replace",
	"request_trailers_get", "request_trailer_get", "request_trailer_add", "request_trailer_replace",
	"request_trailer_remove", "request_trailers_replace_all",
	"response_headers_get", "response_header_get", "response_header_add", "response_header_replace",
	"response_header_remove", "response_headers_replace_all", "queue_enqueue_stream", "queue_item",
	"set_effective_context_stream", "resume_response",
	"response_body_get", "response_body_prepend", "response_body_append", "response_body_edited",
	"response_body_replace",
	"response_trailers_get", "response_trailer_get", "response_trailer_add", "response_trailer_replace",
	"response_trailer_remove", "response_trailers_replace_all",
	"stream_done", "send_local_response",
}

var tcpChecks = []string{
	"tcp_new_connection", "downstream_data_get", "downstream_data_prepend", "downstream_data_append",
	"downstream_data_edited", "downstream_data_replace", "upstream_data_get", "upstream_data_prepend",
	"upstream_data_append", "upstream_data_replace", "close_upstream", "downstream_close",
	"continue_tcp", "close_downstream", "tcp_stream_done",
}

func filter(mode string) dual.Filter {
	return dual.Filter{
		Package:             "guest/module",
		VMContext:           guest.NewVMContext(),
		PluginConfiguration: []byte(mode),
		VMConfiguration:     []byte(guest.VMConfig),
		Properties: []dual.Property{
			{Path: []string{"plugin_name"}, Value: []byte("conformance")},
			{Path: []string{"plugin_root_id"}, Value: []byte("conformance")},
			{Path: []string{"plugin_vm_id"}, Value: []byte("conformance")},
			{Path: []string{"conformance", "map"}, Value: abi.EncodeMap(nil, []abi.Pair{{Key: "k1", Value: "v1"}, {Key: "k2", Value: "v2"}})},
		},
	}
}

// start registers the foreign function, starts the plugin and waits for the
// asynchronous plugin checks (queue notification, tick).
func start(t *testing.T, h proxytest.HostEmulator) {
	h.RegisterForeignFunction(guest.ForeignEcho, func(b []byte) []byte {
		r := slices.Clone(b)
		slices.Reverse(r)
		return r
	})
	if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
		t.Fatalf("guest did not start: %q", h.GetErrorLogs())
	}
	if dual.Native(h) {
		if p := h.GetTickPeriod(); p != 10 {
			t.Errorf("tick period %d, want 10", p)
		}
		h.Tick()
	}
	dual.Eventually(t, "a tick", func() bool {
		n, err := h.GetCounterMetric(guest.TickCounter)
		return err == nil && n >= 1
	})
	dual.Eventually(t, "queue_ready", func() bool { return slices.Contains(oks(h), "queue_ready") })
}

func oks(h proxytest.HostEmulator) []string {
	var names []string
	for _, l := range h.GetInfoLogs() {
		if n, ok := strings.CutPrefix(l, "conformance: ok "); ok {
			names = append(names, n)
		}
	}
	return names
}

// verify fails t for every FAIL the guest logged and every expected check
// that never reported ok.
func verify(t *testing.T, h proxytest.HostEmulator, want ...[]string) {
	t.Helper()
	for _, l := range h.GetErrorLogs() {
		t.Errorf("guest: %s", l)
	}
	got := oks(h)
	for _, names := range want {
		for _, n := range names {
			if !slices.Contains(got, n) {
				t.Errorf("check %s never reported ok", n)
			}
		}
	}
	levels := map[string][]string{"trace": h.GetTraceLogs(), "debug": h.GetDebugLogs(),
		"warn": h.GetWarnLogs(), "critical": h.GetCriticalLogs()}
	for level, logs := range levels {
		if !slices.Contains(logs, "conformance: "+level) {
			t.Errorf("%s logs %q lack the guest's %s line", level, logs, level)
		}
	}
}

func has(hdrs [][2]string, k, v string) bool { return slices.Contains(hdrs, [2]string{k, v}) }

func TestConformanceHTTP(t *testing.T) {
	dual.Run(t, filter("http"), func(t *testing.T, h proxytest.HostEmulator) {
		start(t, h)

		id := h.InitializeHttpContext()
		reqHdrs := [][2]string{{":method", "POST"}, {":path", guest.CheckHeaders}, {":authority", "svc"},
			{"x-dup", "a"}, {"x-dup", "b"}, {"x-remove-me", "1"}}
		if a := h.CallOnRequestHeaders(id, reqHdrs, false); a != types.ActionPause {
			t.Fatalf("request headers: %v, want pause for the http call", a)
		}
		calls := h.GetCalloutAttributesFromContext(id)
		if len(calls) != 1 || calls[0].Upstream != guest.Upstream || string(calls[0].Body) != "ping" ||
			!has(calls[0].Headers, ":path", "/callout") || !has(calls[0].Trailers, "x-ct", "1") {
			t.Fatalf("callouts %+v", calls)
		}
		h.CallOnHttpCallResponse(calls[0].CalloutID, [][2]string{{":status", "200"}, {"x-callout", "yes"}},
			[][2]string{{"x-t", "1"}}, []byte("pong"))
		if a := h.GetCurrentHttpStreamAction(id); a != types.ActionContinue {
			t.Errorf("request not resumed after the call: %v", a)
		}
		got := h.GetCurrentRequestHeaders(id)
		for _, kv := range [][2]string{{"x-callout", "yes"}, {"x-all", "yes"}, {"x-dup", "c"}, {"x-added", "1"}} {
			if !has(got, kv[0], kv[1]) {
				t.Errorf("request headers %v lack %v", got, kv)
			}
		}
		if a := h.CallOnRequestBody(id, []byte("hello"), true); a != types.ActionContinue {
			t.Errorf("request body: %v", a)
		}
		if b := string(h.GetCurrentRequestBody(id)); b != "body!" {
			t.Errorf("request body %q, want body!", b)
		}
		h.CallOnRequestTrailers(id, [][2]string{{"x-rt", "1"}})

		if a := h.CallOnResponseHeaders(id, [][2]string{{":status", "200"}, {"x-up", "1"}, {"x-drop", "1"}}, false); a != types.ActionPause {
			t.Errorf("response headers: %v, want pause until the queue resumes it", a)
		}
		dual.Eventually(t, "the response resumed from the queue", func() bool {
			return h.GetCurrentHttpStreamAction(id) == types.ActionContinue
		})
		got = h.GetCurrentResponseHeaders(id)
		if !has(got, "x-up", "2") || !has(got, "x-resp-added", "1") || !has(got, "x-all", "resp") || has(got, "x-drop", "1") {
			t.Errorf("response headers %v", got)
		}
		h.CallOnResponseBody(id, []byte("resp"), true)
		if b := string(h.GetCurrentResponseBody(id)); b != "done" {
			t.Errorf("response body %q, want done", b)
		}
		h.CallOnResponseTrailers(id, [][2]string{{"x-st", "1"}})
		h.CompleteHttpContext(id)

		local := h.InitializeHttpContext()
		if a := h.CallOnRequestHeaders(local, [][2]string{{":method", "GET"}, {":path", guest.LocalPath}}, true); a != types.ActionPause {
			t.Errorf("local: %v, want pause", a)
		}
		lr := h.GetSentLocalResponse(local)
		if lr == nil || lr.StatusCode != 418 || string(lr.Data) != "teapot" || !has(lr.Headers, "x-local", "1") {
			t.Errorf("local response %+v", lr)
		}
		h.CompleteHttpContext(local)

		verify(t, h, pluginChecks, httpChecks)
	})
}

func TestConformanceTCP(t *testing.T) {
	dual.Run(t, filter("tcp"), func(t *testing.T, h proxytest.HostEmulator) {
		start(t, h)
		id, a := h.InitializeConnection()
		if a != types.ActionContinue {
			t.Errorf("new connection: %v", a)
		}
		h.CallOnDownstreamData(id, []byte("down"))
		h.CallOnUpstreamData(id, []byte("up"))
		h.CloseDownstreamConnection(id)
		h.CompleteConnection(id)
		verify(t, h, pluginChecks, tcpChecks)
	})
}
