//go:build !wasip1

package main

import (
	"slices"
	"strconv"
	"testing"

	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
)

func TestSharedCounter(t *testing.T) {
	dual.Run(t, dual.Filter{Package: ".", VMContext: &vmContext{}}, func(t *testing.T, h proxytest.HostEmulator) {
		h.StartVM()
		h.StartPlugin()
		// Two streams open at once, then a third: the count is shared.
		a, b := h.InitializeHttpContext(), h.InitializeHttpContext()
		h.CallOnRequestHeaders(a, [][2]string{{":path", "/a"}}, true)
		h.CallOnRequestHeaders(b, [][2]string{{":path", "/b"}}, true)
		c := h.InitializeHttpContext()
		h.CallOnRequestHeaders(c, [][2]string{{":path", "/c"}}, true)
		for want, id := range []uint32{a, b, c} {
			h.CallOnResponseHeaders(id, [][2]string{{":status", "200"}, {"x-request-count", "stale"}}, true)
			got := h.GetCurrentResponseHeaders(id)
			hdr := [2]string{"x-request-count", strconv.Itoa(want + 1)}
			if !slices.Contains(got, hdr) || slices.Contains(got, [2]string{"x-request-count", "stale"}) {
				t.Errorf("stream %d: headers %v, want %v once", id, got, hdr)
			}
			h.CompleteHttpContext(id)
		}
		if errs := h.GetErrorLogs(); len(errs) > 0 {
			t.Errorf("errors logged: %q", errs)
		}
	})
}
