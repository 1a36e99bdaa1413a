//go:build !wasip1

package main

import (
	"slices"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
)

func TestHttpCall(t *testing.T) {
	f := dual.Filter{Package: ".", VMContext: &vmContext{}, PluginConfiguration: []byte("authz")}
	cases := []struct {
		name    string
		headers [][2]string // nil: the call fails
		allowed bool
	}{
		{"allowed", [][2]string{{":status", "200"}, {"x-user", "alice"}}, true},
		{"denied", [][2]string{{":status", "401"}}, false},
		{"failed", nil, false},
	}
	dual.Run(t, f, func(t *testing.T, h proxytest.HostEmulator) {
		h.StartVM()
		h.StartPlugin()
		for _, c := range cases {
			id := h.InitializeHttpContext()
			if a := h.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/a b"}, {":authority", "web"}}, true); a != types.ActionPause {
				t.Fatalf("%s: request headers: %v, want pause", c.name, a)
			}
			calls := h.GetCalloutAttributesFromContext(id)
			if len(calls) != 1 || calls[0].Upstream != "authz" ||
				!slices.Contains(calls[0].Headers, [2]string{":path", "/check?path=%2Fa+b"}) {
				t.Fatalf("%s: callouts %+v", c.name, calls)
			}
			h.CallOnHttpCallResponse(calls[0].CalloutID, c.headers, nil, nil)
			lr := h.GetSentLocalResponse(id)
			if c.allowed {
				if lr != nil || h.GetCurrentHttpStreamAction(id) != types.ActionContinue {
					t.Errorf("%s: local %+v, action %v; want resumed", c.name, lr, h.GetCurrentHttpStreamAction(id))
				}
				if got := h.GetCurrentRequestHeaders(id); !slices.Contains(got, [2]string{"x-user", "alice"}) {
					t.Errorf("%s: request headers %v lack x-user", c.name, got)
				}
			} else if lr == nil || lr.StatusCode != 403 {
				t.Errorf("%s: local %+v, want 403", c.name, lr)
			}
			h.CompleteHttpContext(id)
		}
	})
}
