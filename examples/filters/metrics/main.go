// Command metrics keeps request metrics in the host: a counter of requests
// per method (GET, POST, other), a gauge of requests in flight and a
// histogram of response body sizes.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o metrics.wasm .
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

func main() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct {
	types.DefaultPluginContext
	requests  map[string]proxywasm.MetricCounter
	inFlight  proxywasm.MetricGauge
	bodyBytes proxywasm.MetricHistogram
}

func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	p.requests = map[string]proxywasm.MetricCounter{}
	for _, m := range []string{"GET", "POST", "other"} {
		p.requests[m] = proxywasm.DefineCounterMetric("example_requests_total_" + m)
	}
	p.inFlight = proxywasm.DefineGaugeMetric("example_requests_in_flight")
	p.bodyBytes = proxywasm.DefineHistogramMetric("example_response_body_bytes")
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{p: p} }

type httpContext struct {
	types.DefaultHttpContext
	p        *pluginContext
	counted  bool
	bodySize int
}

func (h *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	method, _ := proxywasm.GetHttpRequestHeader(":method")
	c, ok := h.p.requests[method]
	if !ok {
		c = h.p.requests["other"]
	}
	c.Increment(1)
	h.p.inFlight.Add(1)
	h.counted = true
	return types.ActionContinue
}

func (h *httpContext) OnHttpResponseBody(size int, _ bool) types.Action {
	h.bodySize = size
	return types.ActionContinue
}

func (h *httpContext) OnHttpStreamDone() {
	if h.counted {
		h.p.inFlight.Add(-1)
		h.p.bodyBytes.Record(uint64(h.bodySize))
	}
}
