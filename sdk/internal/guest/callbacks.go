package guest

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/internal/hostcall"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

func boolU32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// ProxyOnVMStart is proxy_on_vm_start.
func ProxyOnVMStart(_ uint32, vmConfigSize uint32) uint32 {
	if st.vm == nil {
		logf("guest: no VM context: call proxywasm.SetVMContext in init or main")
		return 0
	}
	return boolU32(bool(st.vm.OnVMStart(int(vmConfigSize))))
}

// ProxyOnContextCreate is proxy_on_context_create. A zero parent creates a
// plugin (root) context, anything else an HTTP or TCP stream context under it.
func ProxyOnContextCreate(id, parent uint32) {
	if st.vm == nil {
		logf("guest: no VM context for context %d: call proxywasm.SetVMContext in init or main", id)
		return
	}
	st.active = id
	if parent == 0 {
		ctx := st.vm.NewPluginContext(id)
		if ctx == nil {
			logf("guest: NewPluginContext(%d) returned nil", id)
			return
		}
		st.plugins[id] = &plugin{ctx: ctx, callouts: map[uint32]callout{}}
		return
	}
	p := st.plugins[parent]
	if p == nil {
		logf("guest: context %d created under unknown plugin context %d", id, parent)
		return
	}
	c := stream{id: id, root: parent}
	if c.http = p.ctx.NewHttpContext(id); c.http == nil {
		c.tcp = p.ctx.NewTcpContext(id)
	}
	if c.http != nil || c.tcp != nil {
		st.addStream(c)
		return
	}
	logf("guest: plugin context %d made neither an HTTP nor a TCP context for %d", parent, id)
}

// WasmeshOnHTTPContextCreate is wasmesh_on_http_context_create, the wasmesh
// host's proxy_on_context_create for HTTP streams: it creates the context
// and answers which HTTP callbacks the context acts on.
func WasmeshOnHTTPContextCreate(id, parent uint32) uint32 {
	ProxyOnContextCreate(id, parent)
	if c, _ := st.stream(id); c.http != nil {
		return uint32(httpCallbacks(c.http))
	}
	return uint32(abi.AllHTTPCallbacks)
}

// ProxyOnConfigure is proxy_on_configure.
func ProxyOnConfigure(id, pluginConfigSize uint32) uint32 {
	p := st.plugins[id]
	if p == nil {
		logf("guest: configure of unknown plugin context %d", id)
		return 0
	}
	st.active = id
	return boolU32(bool(p.ctx.OnPluginStart(int(pluginConfigSize))))
}

// ProxyOnDone is proxy_on_done: plugin contexts ask OnPluginDone, streams are
// always done.
func ProxyOnDone(id uint32) uint32 {
	st.active = id
	if _, ok := st.stream(id); ok {
		return 1
	}
	if p := st.plugins[id]; p != nil {
		return boolU32(p.ctx.OnPluginDone())
	}
	return 1
}

// ProxyOnLog is proxy_on_log: the end of a stream, where OnHttpStreamDone and
// OnStreamDone run.
func ProxyOnLog(id uint32) {
	st.active = id
	if c, _ := st.stream(id); c.http != nil {
		c.http.OnHttpStreamDone()
	} else if c.tcp != nil {
		c.tcp.OnStreamDone()
	}
}

// ProxyOnDelete is proxy_on_delete.
func ProxyOnDelete(id uint32) {
	if !st.removeStream(id) {
		delete(st.plugins, id)
	}
}

// WasmeshOnStreamEnd is wasmesh_on_stream_end, the wasmesh host's one call
// for a stream's end: proxy_on_done, then, if the context may go,
// proxy_on_log and proxy_on_delete. It reports whether it went.
func WasmeshOnStreamEnd(id uint32) uint32 {
	if ProxyOnDone(id) == 0 {
		return 0
	}
	ProxyOnLog(id)
	ProxyOnDelete(id)
	return 1
}

// ProxyOnTick is proxy_on_tick.
func ProxyOnTick(id uint32) {
	p := st.plugins[id]
	if p == nil {
		logf("guest: tick for unknown plugin context %d", id)
		return
	}
	st.active = id
	p.ctx.OnTick()
}

// ProxyOnQueueReady is proxy_on_queue_ready.
func ProxyOnQueueReady(id, queueID uint32) {
	p := st.plugins[id]
	if p == nil {
		logf("guest: queue %d ready for unknown plugin context %d", queueID, id)
		return
	}
	st.active = id
	p.ctx.OnQueueReady(queueID)
}

// ProxyOnHttpCallResponse is proxy_on_http_call_response. The callout runs
// with the dispatching context made effective again, so it may resume or
// answer that stream.
func ProxyOnHttpCallResponse(id, callID, numHeaders, bodySize, numTrailers uint32) {
	p := st.plugins[st.rootOf(id)]
	c, ok := callout{}, false
	if p != nil {
		c, ok = p.callouts[callID]
	}
	if !ok {
		for _, q := range st.plugins {
			if c, ok = q.callouts[callID]; ok {
				p = q
				break
			}
		}
	}
	if !ok {
		logf("guest: response for unknown http call %d on context %d", callID, id)
		return
	}
	delete(p.callouts, callID)
	st.active = c.caller
	if c.caller != id {
		hostcall.SetEffectiveContext(c.caller)
	}
	c.fn(int(numHeaders), int(bodySize), int(numTrailers))
}

func httpCtx(id uint32, event string) types.HttpContext {
	c, _ := st.stream(id)
	h := c.http
	if h == nil {
		logf("guest: %s for unknown http context %d", event, id)
		return nil
	}
	st.active = id
	return h
}

func tcpCtx(id uint32, event string) types.TcpContext {
	c, _ := st.stream(id)
	t := c.tcp
	if t == nil {
		logf("guest: %s for unknown tcp context %d", event, id)
		return nil
	}
	st.active = id
	return t
}

// ProxyOnRequestHeaders is proxy_on_request_headers.
func ProxyOnRequestHeaders(id, n, eos uint32) uint32 {
	if h := httpCtx(id, "request headers"); h != nil {
		return uint32(h.OnHttpRequestHeaders(int(n), eos != 0))
	}
	return uint32(types.ActionContinue)
}

// ProxyOnRequestBody is proxy_on_request_body.
func ProxyOnRequestBody(id, size, eos uint32) uint32 {
	if h := httpCtx(id, "request body"); h != nil {
		return uint32(h.OnHttpRequestBody(int(size), eos != 0))
	}
	return uint32(types.ActionContinue)
}

// ProxyOnRequestTrailers is proxy_on_request_trailers.
func ProxyOnRequestTrailers(id, n uint32) uint32 {
	if h := httpCtx(id, "request trailers"); h != nil {
		return uint32(h.OnHttpRequestTrailers(int(n)))
	}
	return uint32(types.ActionContinue)
}

// ProxyOnResponseHeaders is proxy_on_response_headers.
func ProxyOnResponseHeaders(id, n, eos uint32) uint32 {
	if h := httpCtx(id, "response headers"); h != nil {
		return uint32(h.OnHttpResponseHeaders(int(n), eos != 0))
	}
	return uint32(types.ActionContinue)
}

// ProxyOnResponseBody is proxy_on_response_body.
func ProxyOnResponseBody(id, size, eos uint32) uint32 {
	if h := httpCtx(id, "response body"); h != nil {
		return uint32(h.OnHttpResponseBody(int(size), eos != 0))
	}
	return uint32(types.ActionContinue)
}

// ProxyOnResponseTrailers is proxy_on_response_trailers.
func ProxyOnResponseTrailers(id, n uint32) uint32 {
	if h := httpCtx(id, "response trailers"); h != nil {
		return uint32(h.OnHttpResponseTrailers(int(n)))
	}
	return uint32(types.ActionContinue)
}

// ProxyOnNewConnection is proxy_on_new_connection.
func ProxyOnNewConnection(id uint32) uint32 {
	if t := tcpCtx(id, "new connection"); t != nil {
		return uint32(t.OnNewConnection())
	}
	return uint32(types.ActionContinue)
}

// ProxyOnDownstreamData is proxy_on_downstream_data.
func ProxyOnDownstreamData(id, size, eos uint32) uint32 {
	if t := tcpCtx(id, "downstream data"); t != nil {
		return uint32(t.OnDownstreamData(int(size), eos != 0))
	}
	return uint32(types.ActionContinue)
}

// ProxyOnDownstreamConnectionClose is proxy_on_downstream_connection_close.
func ProxyOnDownstreamConnectionClose(id, peer uint32) {
	if t := tcpCtx(id, "downstream close"); t != nil {
		t.OnDownstreamClose(types.PeerType(peer))
	}
}

// ProxyOnUpstreamData is proxy_on_upstream_data.
func ProxyOnUpstreamData(id, size, eos uint32) uint32 {
	if t := tcpCtx(id, "upstream data"); t != nil {
		return uint32(t.OnUpstreamData(int(size), eos != 0))
	}
	return uint32(types.ActionContinue)
}

// ProxyOnUpstreamConnectionClose is proxy_on_upstream_connection_close.
func ProxyOnUpstreamConnectionClose(id, peer uint32) {
	if t := tcpCtx(id, "upstream close"); t != nil {
		t.OnUpstreamClose(types.PeerType(peer))
	}
}
