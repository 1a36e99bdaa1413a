//go:build !wasip1

package main

import (
	"testing"

	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
)

func TestMetrics(t *testing.T) {
	dual.Run(t, dual.Filter{Package: ".", VMContext: &vmContext{}}, func(t *testing.T, h proxytest.HostEmulator) {
		h.StartVM()
		h.StartPlugin()
		var ids []uint32
		for _, m := range []string{"GET", "GET", "POST", "DELETE"} {
			id := h.InitializeHttpContext()
			h.CallOnRequestHeaders(id, [][2]string{{":method", m}, {":path", "/"}}, true)
			ids = append(ids, id)
		}
		gauge := func(want uint64) {
			t.Helper()
			if v, err := h.GetGaugeMetric("example_requests_in_flight"); err != nil || v != want {
				t.Errorf("in flight = %d, %v; want %d", v, err, want)
			}
		}
		gauge(4)
		for i, id := range ids {
			h.CallOnResponseHeaders(id, [][2]string{{":status", "200"}}, false)
			h.CallOnResponseBody(id, make([]byte, 10*(i+1)), true)
			h.CompleteHttpContext(id)
		}
		gauge(0)
		for name, want := range map[string]uint64{"GET": 2, "POST": 1, "other": 1} {
			if v, err := h.GetCounterMetric("example_requests_total_" + name); err != nil || v != want {
				t.Errorf("requests %s = %d, %v; want %d", name, v, err, want)
			}
		}
		if v, err := h.GetHistogramMetric("example_response_body_bytes"); err != nil || v != 10+20+30+40 {
			t.Errorf("body bytes sum = %d, %v; want 100", v, err)
		}
	})
}
