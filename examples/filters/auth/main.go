// Command auth rejects requests without a valid API key: a local 401 when the
// key header is missing, 403 when its value is not one of the configured
// keys. The plugin configuration is JSON:
//
//	{"header": "x-api-key", "keys": ["k1", "k2"]}
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o auth.wasm .
package main

import (
	"encoding/json"
	"errors"
	"slices"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

func main() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type config struct {
	Header string   `json:"header"`
	Keys   []string `json:"keys"`
}

type pluginContext struct {
	types.DefaultPluginContext
	cfg config
}

func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	data, err := proxywasm.GetPluginConfiguration()
	if err == nil {
		err = json.Unmarshal(data, &p.cfg)
	}
	if err == nil && (p.cfg.Header == "" || len(p.cfg.Keys) == 0) {
		err = errors.New("header and keys are required")
	}
	if err != nil {
		proxywasm.LogCriticalf("auth: bad configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{cfg: &p.cfg} }

type httpContext struct {
	types.DefaultHttpContext
	cfg *config
}

func (h *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	key, err := proxywasm.GetHttpRequestHeader(h.cfg.Header)
	switch {
	case errors.Is(err, types.ErrorStatusNotFound):
		return h.deny(401, "missing "+h.cfg.Header)
	case err != nil:
		proxywasm.LogErrorf("auth: read %s: %v", h.cfg.Header, err)
		return h.deny(500, "internal error")
	case !slices.Contains(h.cfg.Keys, key):
		return h.deny(403, "invalid "+h.cfg.Header)
	}
	return types.ActionContinue
}

func (h *httpContext) deny(status uint32, msg string) types.Action {
	hdrs := [][2]string{{"content-type", "text/plain"}}
	if status == 401 {
		hdrs = append(hdrs, [2]string{"www-authenticate", "ApiKey header=" + h.cfg.Header})
	}
	if err := proxywasm.SendHttpResponse(status, hdrs, []byte(msg+"\n"), -1); err != nil {
		proxywasm.LogErrorf("auth: send %d: %v", status, err)
	}
	return types.ActionPause
}
