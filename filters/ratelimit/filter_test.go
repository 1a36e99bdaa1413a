package main

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
)

func headerOf(hs [][2]string, k string) string {
	for _, kv := range hs {
		if kv[0] == k {
			return kv[1]
		}
	}
	return ""
}

// TestPerUserBuckets gives each x-user 2 requests per hour: the third of a
// user gets 429 with Retry-After, another user is not affected.
func TestPerUserBuckets(t *testing.T) {
	cfg := `{"name":"api","key":"header:x-user","tokenBucket":{"maxTokens":2,"tokensPerFill":1,"fillInterval":"1h"}}`
	dual.Run(t, dual.Filter{Package: ".", VMContext: &vm{}, PluginConfiguration: []byte(cfg)}, func(t *testing.T, h proxytest.HostEmulator) {
		if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
			t.Fatalf("plugin did not start: %q", h.GetCriticalLogs())
		}
		send := func(user string) (types.Action, *proxytest.LocalHttpResponse) {
			id := h.InitializeHttpContext()
			a := h.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/"}, {"x-user", user}}, true)
			lr := h.GetSentLocalResponse(id)
			h.CompleteHttpContext(id)
			return a, lr
		}
		for i := 0; i < 2; i++ {
			if a, lr := send("alice"); a != types.ActionContinue || lr != nil {
				t.Fatalf("alice #%d limited", i+1)
			}
		}
		a, lr := send("alice")
		if a != types.ActionPause || lr == nil || lr.StatusCode != 429 {
			t.Fatalf("alice #3: action %v local %+v", a, lr)
		}
		if ra := headerOf(lr.Headers, "retry-after"); ra == "" || ra == "0" {
			t.Errorf("retry-after %q", ra)
		}
		if a, _ := send("bob"); a != types.ActionContinue {
			t.Error("bob limited by alice's bucket")
		}
		allowed, _ := h.GetCounterMetric(`wasmesh_ratelimit_requests_total{name="api",result="allowed"}`)
		limited, _ := h.GetCounterMetric(`wasmesh_ratelimit_requests_total{name="api",result="limited"}`)
		if allowed != 3 || limited != 1 {
			t.Errorf("allowed %d limited %d, want 3 and 1", allowed, limited)
		}
	})
}

// TestGlobalQuota pauses for meshd's answer and resumes or rejects.
func TestGlobalQuota(t *testing.T) {
	cfg := `{"key":"global","tokenBucket":{"maxTokens":100,"fillInterval":"1s"},"global":{"cluster":"meshd"}}`
	dual.RunNative(t, dual.Filter{Package: ".", VMContext: &vm{}, PluginConfiguration: []byte(cfg)}, func(t *testing.T, h proxytest.HostEmulator) {
		if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
			t.Fatal("plugin did not start")
		}
		for _, tc := range []struct {
			status string
			want   types.Action
			local  uint32
		}{{"200", types.ActionContinue, 0}, {"429", types.ActionPause, 429}} {
			id := h.InitializeHttpContext()
			if a := h.CallOnRequestHeaders(id, [][2]string{{":path", "/"}}, true); a != types.ActionPause {
				t.Fatalf("not paused for the global check: %v", a)
			}
			calls := h.GetCalloutAttributesFromContext(id)
			if len(calls) != 1 || calls[0].Upstream != "meshd" {
				t.Fatalf("calls %+v", calls)
			}
			h.CallOnHttpCallResponse(calls[0].CalloutID, [][2]string{{":status", tc.status}}, nil, nil)
			if a := h.GetCurrentHttpStreamAction(id); a != tc.want {
				t.Errorf("quota %s: action %v, want %v", tc.status, a, tc.want)
			}
			if lr := h.GetSentLocalResponse(id); (lr == nil) != (tc.local == 0) || (lr != nil && lr.StatusCode != tc.local) {
				t.Errorf("quota %s: local response %+v", tc.status, lr)
			}
		}
	})
}
