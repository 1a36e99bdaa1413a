//go:build !wasip1

package proxytest

import (
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/internal/guest"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// LocalHttpResponse is what the filter passed to SendHttpResponse.
type LocalHttpResponse struct {
	StatusCode       uint32
	StatusCodeDetail string
	Data             []byte
	Headers          [][2]string
	GRPCStatus       int32
}

type httpStream struct {
	reqHeaders, respHeaders   [][2]string
	reqTrailers, respTrailers [][2]string
	reqBody, respBody         []byte
	reqPaused, respPaused     bool // the last body chunk was paused: buffer the next
	action                    types.Action
	local                     *LocalHttpResponse
}

func (e *hostEmulator) InitializeHttpContext() uint32 {
	id := e.newContextID()
	e.https[id] = &httpStream{}
	e.enter(id)
	defer e.leave()
	guest.ProxyOnContextCreate(id, PluginContextID)
	return id
}

// call runs one stream callback with id effective and records its action.
func (e *hostEmulator) call(id uint32, f func() uint32) types.Action {
	s := e.https[id]
	if s == nil {
		return types.ActionContinue
	}
	e.enter(id)
	defer e.leave()
	s.action = types.Action(f())
	return s.action
}

func (e *hostEmulator) CallOnRequestHeaders(id uint32, headers [][2]string, eos bool) types.Action {
	if s := e.https[id]; s != nil {
		s.reqHeaders = lowerKeys(headers)
	}
	return e.call(id, func() uint32 { return guest.ProxyOnRequestHeaders(id, uint32(len(headers)), b32(eos)) })
}

func (e *hostEmulator) CallOnRequestBody(id uint32, body []byte, eos bool) types.Action {
	s := e.https[id]
	if s == nil {
		return types.ActionContinue
	}
	s.reqBody = chunk(s.reqBody, body, s.reqPaused)
	a := e.call(id, func() uint32 { return guest.ProxyOnRequestBody(id, uint32(len(s.reqBody)), b32(eos)) })
	s.reqPaused = a == types.ActionPause
	return a
}

func (e *hostEmulator) CallOnRequestTrailers(id uint32, trailers [][2]string) types.Action {
	if s := e.https[id]; s != nil {
		s.reqTrailers = lowerKeys(trailers)
	}
	return e.call(id, func() uint32 { return guest.ProxyOnRequestTrailers(id, uint32(len(trailers))) })
}

func (e *hostEmulator) CallOnResponseHeaders(id uint32, headers [][2]string, eos bool) types.Action {
	if s := e.https[id]; s != nil {
		s.respHeaders = lowerKeys(headers)
	}
	return e.call(id, func() uint32 { return guest.ProxyOnResponseHeaders(id, uint32(len(headers)), b32(eos)) })
}

func (e *hostEmulator) CallOnResponseBody(id uint32, body []byte, eos bool) types.Action {
	s := e.https[id]
	if s == nil {
		return types.ActionContinue
	}
	s.respBody = chunk(s.respBody, body, s.respPaused)
	a := e.call(id, func() uint32 { return guest.ProxyOnResponseBody(id, uint32(len(s.respBody)), b32(eos)) })
	s.respPaused = a == types.ActionPause
	return a
}

func (e *hostEmulator) CallOnResponseTrailers(id uint32, trailers [][2]string) types.Action {
	if s := e.https[id]; s != nil {
		s.respTrailers = lowerKeys(trailers)
	}
	return e.call(id, func() uint32 { return guest.ProxyOnResponseTrailers(id, uint32(len(trailers))) })
}

func (e *hostEmulator) CompleteHttpContext(id uint32) {
	e.enter(id)
	guest.ProxyOnDone(id)
	guest.ProxyOnLog(id)
	guest.ProxyOnDelete(id)
	e.leave()
	delete(e.https, id)
}

func (e *hostEmulator) GetCurrentHttpStreamAction(id uint32) types.Action {
	if s := e.https[id]; s != nil {
		return s.action
	}
	return types.ActionContinue
}

func (e *hostEmulator) GetCurrentRequestHeaders(id uint32) [][2]string {
	if s := e.https[id]; s != nil {
		return s.reqHeaders
	}
	return nil
}

func (e *hostEmulator) GetCurrentResponseHeaders(id uint32) [][2]string {
	if s := e.https[id]; s != nil {
		return s.respHeaders
	}
	return nil
}

func (e *hostEmulator) GetCurrentRequestBody(id uint32) []byte {
	if s := e.https[id]; s != nil {
		return s.reqBody
	}
	return nil
}

func (e *hostEmulator) GetCurrentResponseBody(id uint32) []byte {
	if s := e.https[id]; s != nil {
		return s.respBody
	}
	return nil
}

func (e *hostEmulator) GetSentLocalResponse(id uint32) *LocalHttpResponse {
	if s := e.https[id]; s != nil {
		return s.local
	}
	return nil
}

func (e *hostEmulator) SendLocalResponse(code uint32, details string, body, headers []byte, grpcStatus int32) abi.Status {
	s := e.https[e.effective]
	if s == nil {
		return abi.StatusBadArgument
	}
	ps, err := abi.DecodeMap(headers)
	if err != nil {
		return abi.StatusBadArgument
	}
	s.local = &LocalHttpResponse{StatusCode: code, StatusCodeDetail: details, Data: clone(body),
		Headers: lowerKeys(toKV(ps)), GRPCStatus: grpcStatus}
	return abi.StatusOK
}

func (e *hostEmulator) ContinueStream(st abi.StreamType) abi.Status {
	switch st {
	case abi.StreamHTTPRequest, abi.StreamHTTPResponse:
		if s := e.https[e.effective]; s != nil {
			s.action = types.ActionContinue
			return abi.StatusOK
		}
	case abi.StreamDownstream, abi.StreamUpstream:
		if s := e.tcps[e.effective]; s != nil {
			s.action = types.ActionContinue
			return abi.StatusOK
		}
	}
	return abi.StatusBadArgument
}

func (e *hostEmulator) CloseStream(st abi.StreamType) abi.Status {
	if st > abi.StreamUpstream {
		return abi.StatusBadArgument
	}
	return abi.StatusOK
}

// chunk returns the body the filter sees: the new data alone, or appended to
// what a paused previous call buffered.
func chunk(prev, data []byte, buffered bool) []byte {
	if buffered {
		return append(prev, data...)
	}
	return clone(data)
}

func b32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func lowerKeys(kv [][2]string) [][2]string {
	out := make([][2]string, len(kv))
	for i, p := range kv {
		out[i] = [2]string{strings.ToLower(p[0]), p[1]}
	}
	return out
}

func toKV(ps []abi.Pair) [][2]string {
	kv := make([][2]string, len(ps))
	for i, p := range ps {
		kv[i] = [2]string{p.Key, p.Value}
	}
	return kv
}

func toPairs(kv [][2]string) []abi.Pair {
	ps := make([]abi.Pair, len(kv))
	for i, p := range kv {
		ps[i] = abi.Pair{Key: p[0], Value: p[1]}
	}
	return ps
}
