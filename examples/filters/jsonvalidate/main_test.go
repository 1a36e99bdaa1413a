//go:build !wasip1

package main

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
)

func TestJSONValidate(t *testing.T) {
	f := dual.Filter{Package: ".", VMContext: &vmContext{}, PluginConfiguration: []byte(`["name", "email"]`)}
	cases := []struct {
		name, contentType string
		chunks            []string
		problem           string // "": accepted
	}{
		{"valid in two chunks", "application/json", []string{`{"name": "a", `, `"email": "a@b"}`}, ""},
		{"missing field", "application/json; charset=utf-8", []string{`{"name": "a"}`}, "missing field email"},
		{"malformed", "application/json", []string{`{"name": `}, "not a JSON object"},
		{"not json", "text/plain", []string{`{{{`}, ""},
	}
	dual.Run(t, f, func(t *testing.T, h proxytest.HostEmulator) {
		if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
			t.Fatal("plugin did not start")
		}
		for _, c := range cases {
			id := h.InitializeHttpContext()
			h.CallOnRequestHeaders(id, [][2]string{{":method", "POST"}, {":path", "/users"}, {"content-type", c.contentType}}, false)
			var a types.Action
			for i, chunk := range c.chunks {
				last := i == len(c.chunks)-1
				a = h.CallOnRequestBody(id, []byte(chunk), last)
				if !last && a != types.ActionPause {
					t.Errorf("%s: chunk %d: %v, want pause (buffering)", c.name, i, a)
				}
			}
			lr := h.GetSentLocalResponse(id)
			if c.problem == "" {
				if a != types.ActionContinue || lr != nil {
					t.Errorf("%s: action %v, local %+v; want accepted", c.name, a, lr)
				}
				if got, want := string(h.GetCurrentRequestBody(id)), strings.Join(c.chunks, ""); got != want {
					t.Errorf("%s: body %q, want %q", c.name, got, want)
				}
			} else if lr == nil || lr.StatusCode != 400 || !strings.Contains(string(lr.Data), c.problem) {
				t.Errorf("%s: local %+v, want 400 with %q", c.name, lr, c.problem)
			}
			h.CompleteHttpContext(id)
		}
	})
}
