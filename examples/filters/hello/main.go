// Command hello is the smallest wasmesh filter: it logs each request's path
// and adds a greeting header to every response. The plugin configuration, if
// any, is the greeting.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o hello.wasm .
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

// main registers the VM context, as filters written for the tetratelabs SDK
// do; the SDK runs it before the first callback.
func main() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext {
	return &pluginContext{greeting: "hello"}
}

type pluginContext struct {
	types.DefaultPluginContext
	greeting string
}

func (p *pluginContext) OnPluginStart(size int) types.OnPluginStartStatus {
	if size > 0 {
		cfg, err := proxywasm.GetPluginConfiguration()
		if err != nil {
			proxywasm.LogCriticalf("hello: read configuration: %v", err)
			return types.OnPluginStartStatusFailed
		}
		p.greeting = string(cfg)
	}
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(uint32) types.HttpContext {
	return &httpContext{greeting: p.greeting}
}

type httpContext struct {
	types.DefaultHttpContext
	greeting string
}

func (h *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	path, err := proxywasm.GetHttpRequestHeader(":path")
	if err != nil {
		proxywasm.LogWarnf("hello: request without :path: %v", err)
		return types.ActionContinue
	}
	proxywasm.LogInfof("hello: request to %s", path)
	return types.ActionContinue
}

func (h *httpContext) OnHttpResponseHeaders(int, bool) types.Action {
	if err := proxywasm.AddHttpResponseHeader("x-wasmesh-hello", h.greeting); err != nil {
		proxywasm.LogErrorf("hello: add header: %v", err)
	}
	return types.ActionContinue
}
