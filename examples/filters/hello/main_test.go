//go:build !wasip1

package main

import (
	"slices"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
)

func TestHello(t *testing.T) {
	f := dual.Filter{Package: ".", VMContext: &vmContext{}, PluginConfiguration: []byte("bonjour")}
	dual.Run(t, f, func(t *testing.T, h proxytest.HostEmulator) {
		if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
			t.Fatal("plugin did not start")
		}
		id := h.InitializeHttpContext()
		if a := h.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/greet"}}, true); a != types.ActionContinue {
			t.Fatalf("request headers: %v", a)
		}
		if a := h.CallOnResponseHeaders(id, [][2]string{{":status", "200"}}, false); a != types.ActionContinue {
			t.Fatalf("response headers: %v", a)
		}
		got := h.GetCurrentResponseHeaders(id)
		if !slices.Contains(got, [2]string{"x-wasmesh-hello", "bonjour"}) {
			t.Errorf("response headers %v lack the greeting", got)
		}
		if logs := h.GetInfoLogs(); !slices.Contains(logs, "hello: request to /greet") {
			t.Errorf("info logs %q lack the request line", logs)
		}
		h.CompleteHttpContext(id)
	})
}
