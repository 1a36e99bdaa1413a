//go:build !wasip1

package main

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
)

func TestAuth(t *testing.T) {
	f := dual.Filter{Package: ".", VMContext: &vmContext{},
		PluginConfiguration: []byte(`{"header": "x-api-key", "keys": ["k1", "k2"]}`)}
	cases := []struct {
		name    string
		headers [][2]string
		status  uint32 // 0: let through
	}{
		{"missing", nil, 401},
		{"wrong", [][2]string{{"x-api-key", "nope"}}, 403},
		{"good", [][2]string{{"X-Api-Key", "k2"}}, 0},
	}
	dual.Run(t, f, func(t *testing.T, h proxytest.HostEmulator) {
		if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
			t.Fatal("plugin did not start")
		}
		for _, c := range cases {
			id := h.InitializeHttpContext()
			hdrs := append([][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "svc"}}, c.headers...)
			a := h.CallOnRequestHeaders(id, hdrs, true)
			lr := h.GetSentLocalResponse(id)
			switch {
			case c.status == 0 && (a != types.ActionContinue || lr != nil):
				t.Errorf("%s: action %v, local %+v; want continue", c.name, a, lr)
			case c.status != 0 && (a != types.ActionPause || lr == nil || lr.StatusCode != c.status):
				t.Errorf("%s: action %v, local %+v; want pause and %d", c.name, a, lr, c.status)
			}
			h.CompleteHttpContext(id)
		}
	})
}

func TestAuthBadConfig(t *testing.T) {
	f := dual.Filter{Package: ".", VMContext: &vmContext{}, PluginConfiguration: []byte(`{"header": ""}`)}
	dual.Run(t, f, func(t *testing.T, h proxytest.HostEmulator) {
		h.StartVM()
		if h.StartPlugin() != types.OnPluginStartStatusFailed {
			t.Fatal("plugin started with an empty configuration")
		}
	})
}
