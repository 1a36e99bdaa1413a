// Command benchfilter is the benchmark filter of issue 2: on request headers
// it reads three headers and adds one.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o benchfilter.wasm .
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct{ types.DefaultPluginContext }

func (*pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{} }

type httpContext struct{ types.DefaultHttpContext }

func (*httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	n := 0
	for _, k := range [...]string{":path", ":method", "user-agent"} {
		if v, err := proxywasm.GetHttpRequestHeader(k); err == nil {
			n += len(v)
		}
	}
	if n == 0 {
		proxywasm.LogWarn("benchfilter: no headers")
	}
	if err := proxywasm.AddHttpRequestHeader("x-bench", "1"); err != nil {
		proxywasm.LogErrorf("benchfilter: %v", err)
	}
	return types.ActionContinue
}
