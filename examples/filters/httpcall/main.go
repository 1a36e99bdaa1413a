// Command httpcall asks another cluster before letting a request through: it
// pauses the request, sends GET /check?path=<path> to the configured cluster
// and resumes on a 2xx answer, copying the answer's x-user header onto the
// request; any other answer, or a failed call, gets a local 403.
// The plugin configuration is the cluster name (default "authz-service").
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o httpcall.wasm .
package main

import (
	"net/url"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

func main() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext {
	return &pluginContext{cluster: "authz-service"}
}

type pluginContext struct {
	types.DefaultPluginContext
	cluster string
}

func (p *pluginContext) OnPluginStart(size int) types.OnPluginStartStatus {
	if size > 0 {
		cfg, err := proxywasm.GetPluginConfiguration()
		if err != nil {
			proxywasm.LogCriticalf("httpcall: read configuration: %v", err)
			return types.OnPluginStartStatusFailed
		}
		p.cluster = strings.TrimSpace(string(cfg))
	}
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(uint32) types.HttpContext {
	return &httpContext{cluster: p.cluster}
}

type httpContext struct {
	types.DefaultHttpContext
	cluster string
}

func (h *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	path, _ := proxywasm.GetHttpRequestHeader(":path")
	hdrs := [][2]string{{":method", "GET"}, {":path", "/check?path=" + url.QueryEscape(path)}, {":authority", h.cluster}}
	if _, err := proxywasm.DispatchHttpCall(h.cluster, hdrs, nil, nil, 5000, h.onResponse); err != nil {
		proxywasm.LogErrorf("httpcall: dispatch to %s: %v", h.cluster, err)
		return h.deny()
	}
	return types.ActionPause
}

func (h *httpContext) onResponse(numHeaders, _, _ int) {
	if numHeaders == 0 {
		proxywasm.LogWarnf("httpcall: call to %s failed", h.cluster)
		h.deny()
		return
	}
	hdrs, err := proxywasm.GetHttpCallResponseHeaders()
	if err != nil {
		proxywasm.LogErrorf("httpcall: read response headers: %v", err)
	}
	if status := header(hdrs, ":status"); len(status) != 3 || status[0] != '2' {
		h.deny()
		return
	}
	if user := header(hdrs, "x-user"); user != "" {
		if err := proxywasm.ReplaceHttpRequestHeader("x-user", user); err != nil {
			proxywasm.LogErrorf("httpcall: set x-user: %v", err)
		}
	}
	if err := proxywasm.ResumeHttpRequest(); err != nil {
		proxywasm.LogErrorf("httpcall: resume: %v", err)
	}
}

func (h *httpContext) deny() types.Action {
	if err := proxywasm.SendHttpResponse(403, [][2]string{{"content-type", "text/plain"}}, []byte("denied\n"), -1); err != nil {
		proxywasm.LogErrorf("httpcall: send 403: %v", err)
	}
	return types.ActionPause
}

func header(hdrs [][2]string, key string) string {
	for _, h := range hdrs {
		if strings.EqualFold(h[0], key) {
			return h[1]
		}
	}
	return ""
}
