// Command bodyrewrite is a test filter for body callbacks: it buffers each
// whole body (PAUSE until the end of stream), upper-cases the request body
// and wraps the response body in brackets.
package main

import (
	"bytes"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

func main() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct{ types.DefaultPluginContext }

func (*pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{} }

type httpContext struct{ types.DefaultHttpContext }

func (*httpContext) OnHttpRequestBody(size int, endOfStream bool) types.Action {
	if !endOfStream {
		return types.ActionPause
	}
	b, err := proxywasm.GetHttpRequestBody(0, size)
	if err != nil {
		return types.ActionContinue
	}
	_ = proxywasm.ReplaceHttpRequestBody(bytes.ToUpper(b))
	return types.ActionContinue
}

func (*httpContext) OnHttpResponseBody(size int, endOfStream bool) types.Action {
	if !endOfStream {
		return types.ActionPause
	}
	b, err := proxywasm.GetHttpResponseBody(0, size)
	if err != nil {
		return types.ActionContinue
	}
	_ = proxywasm.ReplaceHttpResponseBody(append(append([]byte("["), b...), ']'))
	return types.ActionContinue
}
