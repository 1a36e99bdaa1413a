//go:build !wasip1

package proxytest

import (
	"github.com/wasmesh/wasmesh/sdk/internal/guest"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// HttpCalloutAttribute is one HTTP call the filter dispatched.
type HttpCalloutAttribute struct {
	CalloutID uint32
	Upstream  string
	Headers   [][2]string
	Trailers  [][2]string
	Body      []byte

	caller uint32
}

type callResponse struct {
	headers, trailers [][2]string
	body              []byte
}

// HttpCall records the call for the test to answer with
// CallOnHttpCallResponse. Like Envoy it requires :method, :path and
// :authority.
func (e *hostEmulator) HttpCall(upstream string, headers, body, trailers []byte, _ uint32) (uint32, abi.Status) {
	hs, err := abi.DecodeMap(headers)
	if err != nil {
		return 0, abi.StatusBadArgument
	}
	ts, err := abi.DecodeMap(trailers)
	if err != nil {
		return 0, abi.StatusBadArgument
	}
	need := map[string]bool{":method": true, ":path": true, ":authority": true}
	for _, p := range hs {
		delete(need, p.Key)
	}
	if len(need) > 0 || upstream == "" {
		return 0, abi.StatusBadArgument
	}
	e.nextCallout++
	id := e.nextCallout
	e.callouts[id] = &HttpCalloutAttribute{CalloutID: id, Upstream: upstream, Headers: toKV(hs),
		Trailers: toKV(ts), Body: clone(body), caller: e.effective}
	return id, abi.StatusOK
}

func (e *hostEmulator) GetCalloutAttributesFromContext(contextID uint32) []HttpCalloutAttribute {
	var out []HttpCalloutAttribute
	for id := uint32(1); id <= e.nextCallout; id++ {
		if c := e.callouts[id]; c != nil && c.caller == contextID {
			out = append(out, *c)
		}
	}
	return out
}

// CallOnHttpCallResponse delivers the response to the plugin context, as
// Envoy does; the SDK makes the dispatching context effective again.
func (e *hostEmulator) CallOnHttpCallResponse(calloutID uint32, headers, trailers [][2]string, body []byte) {
	if e.callouts[calloutID] == nil {
		return
	}
	delete(e.callouts, calloutID)
	e.callResponse = &callResponse{headers: lowerKeys(headers), trailers: lowerKeys(trailers), body: clone(body)}
	e.enter(PluginContextID)
	defer func() {
		e.callResponse = nil
		e.leave()
	}()
	guest.ProxyOnHttpCallResponse(PluginContextID, calloutID, uint32(len(headers)), uint32(len(body)), uint32(len(trailers)))
}
