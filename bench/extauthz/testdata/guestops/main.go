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
var sink []byte

func init() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct{ types.DefaultPluginContext }

func (*plugin) NewHttpContext(uint32) types.HttpContext { return &stream{} }

type stream struct{ types.DefaultHttpContext }

func (*stream) OnHttpRequestHeaders(int, bool) types.Action {
	op, _ := proxywasm.GetHttpRequestHeader("x-op")
	v, _ := proxywasm.GetHttpRequestHeader("x-n")
	n, _ := strconv.Atoi(v)
	for range n {
		switch op {
		case "host-call":
			_, _ = proxywasm.GetCurrentTimeNanoseconds()
		case "get-header":
			_, _ = proxywasm.GetHttpRequestHeader(":path")
		case "get-property":
			_, _ = proxywasm.GetProperty([]string{"connection", "mtls"})
		case "get-property-missing":
			_, _ = proxywasm.GetProperty([]string{"no", "such"})
		case "encode-path":
			sink = abi.EncodePropertyPath("connection", "mtls")
		case "heap-alloc-64":
			sink = make([]byte, 64)
		}
	}
	return types.ActionContinue
}
