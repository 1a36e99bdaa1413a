// Command guestops is a proxy-wasm filter built with the wasmesh SDK that
// repeats one guest operation x-n times in its request-headers callback
// (x-op names it), so BenchmarkGuestOps can price each operation the authz
// and telemetry filters are made of.
package main

import (
	"strconv"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

func main() {}

// sink keeps allocations on the heap.
var (
	sink    []byte
	sinkKV  [][2]string
	sinkStr string
)

// echoArgs is the argument of the foreign-call operation: about the size of
// the authz filter's policy input.
var echoArgs = make([]byte, 400)

func init() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct {
	types.DefaultPluginContext
	counter proxywasm.MetricCounter
}

func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	p.counter = proxywasm.DefineCounterMetric("guestops_total")
	return types.OnPluginStartStatusOK
}

func (p *plugin) NewHttpContext(uint32) types.HttpContext { return &stream{p: p} }

type stream struct {
	types.DefaultHttpContext
	p *plugin
}

func (s *stream) OnHttpRequestHeaders(int, bool) types.Action {
	op, _ := proxywasm.GetHttpRequestHeader("x-op")
	v, _ := proxywasm.GetHttpRequestHeader("x-n")
	n, _ := strconv.Atoi(v)
	for range n {
		switch op {
		case "host-call":
			_, _ = proxywasm.GetCurrentTimeNanoseconds()
		case "get-header":
			_, _ = proxywasm.GetHttpRequestHeader(":path")
		case "get-pseudo-headers":
			m, _ := proxywasm.GetHttpRequestHeader(":method")
			p, _ := proxywasm.GetHttpRequestHeader(":path")
			a, _ := proxywasm.GetHttpRequestHeader(":authority")
			sinkStr = m + p + a
		case "get-headers":
			sinkKV, _ = proxywasm.GetHttpRequestHeaders()
		case "get-property":
			_, _ = proxywasm.GetProperty([]string{"connection", "mtls"})
		case "get-property-missing":
			_, _ = proxywasm.GetProperty([]string{"no", "such"})
		case "encode-path":
			sink = abi.EncodePropertyPath("connection", "mtls")
		case "foreign-call":
			sink, _ = proxywasm.CallForeignFunction("guestops.echo", echoArgs)
		case "metric-increment":
			s.p.counter.Increment(1)
		case "heap-alloc-64":
			sink = make([]byte, 64)
		}
	}
	return types.ActionContinue
}
