// Command jsonvalidate rejects requests whose JSON body is malformed or lacks
// the required top-level fields. It buffers the body of requests with a JSON
// content type until the end of the stream, then checks it; a bad body gets a
// local 400 naming the problem. The plugin configuration is a JSON list of
// required fields, e.g. ["name", "email"].
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o jsonvalidate.wasm .
package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

func main() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct {
	types.DefaultPluginContext
	required []string
}

func (p *pluginContext) OnPluginStart(size int) types.OnPluginStartStatus {
	if size == 0 {
		return types.OnPluginStartStatusOK
	}
	cfg, err := proxywasm.GetPluginConfiguration()
	if err == nil {
		err = json.Unmarshal(cfg, &p.required)
	}
	if err != nil {
		proxywasm.LogCriticalf("jsonvalidate: bad configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(uint32) types.HttpContext {
	return &httpContext{required: p.required}
}

type httpContext struct {
	types.DefaultHttpContext
	required []string
	isJSON   bool
}

func (h *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	ct, _ := proxywasm.GetHttpRequestHeader("content-type")
	h.isJSON = strings.HasPrefix(strings.ToLower(ct), "application/json")
	return types.ActionContinue
}

func (h *httpContext) OnHttpRequestBody(size int, endOfStream bool) types.Action {
	if !h.isJSON {
		return types.ActionContinue
	}
	if !endOfStream {
		return types.ActionPause // buffer until the whole body is here
	}
	body, err := proxywasm.GetHttpRequestBody(0, size)
	if err != nil {
		return h.reject(fmt.Sprintf("unreadable body: %v", err))
	}
	if problem := validate(body, h.required); problem != "" {
		return h.reject(problem)
	}
	return types.ActionContinue
}

// validate returns what is wrong with body, or "" if nothing is.
func validate(body []byte, required []string) string {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return "body is not a JSON object: " + err.Error()
	}
	for _, f := range required {
		if _, ok := doc[f]; !ok {
			return "missing field " + f
		}
	}
	return ""
}

func (h *httpContext) reject(problem string) types.Action {
	b, _ := json.Marshal(map[string]string{"error": problem})
	if err := proxywasm.SendHttpResponse(400, [][2]string{{"content-type", "application/json"}}, b, -1); err != nil {
		proxywasm.LogErrorf("jsonvalidate: send 400: %v", err)
	}
	return types.ActionPause
}
