//go:build wasip1

package guest

import (
	_ "unsafe" // for go:linkname

	"github.com/wasmesh/wasmesh/sdk/internal/hostcall"
)

// mainMain is the filter's func main. A -buildmode=c-shared module's
// _initialize runs package init functions but never main, while filters
// written for the TinyGo SDK call SetVMContext from main; so the first
// callback runs main once if no VM context is set by then.
//
//go:linkname mainMain main.main
func mainMain()

var mainDone bool

func start() {
	if !mainDone {
		mainDone = true
		if st.vm == nil {
			mainMain()
		}
	}
}

//go:wasmexport proxy_abi_version_0_2_1
func proxyABIVersion021() {}

//go:wasmexport proxy_on_memory_allocate
func proxyOnMemoryAllocate(size uint32) uint32 { return hostcall.Allocate(size) }

// wasmesh_alloc_chunk tells the wasmesh host that small results may be
// carved from one block (hostcall.AllocateChunk); other hosts ignore it.
//
//go:wasmexport wasmesh_alloc_chunk
func wasmeshAllocChunk(size uint32) uint32 { return hostcall.AllocateChunk(size) }

//go:wasmexport proxy_on_vm_start
func proxyOnVMStart(id, size uint32) uint32 { start(); return ProxyOnVMStart(id, size) }

//go:wasmexport proxy_on_context_create
func proxyOnContextCreate(id, parent uint32) { start(); ProxyOnContextCreate(id, parent) }

// wasmesh_on_http_context_create tells the wasmesh host, as it creates an
// HTTP stream's context, which callbacks the context acts on; other hosts
// ignore it and call proxy_on_context_create.
//
//go:wasmexport wasmesh_on_http_context_create
func wasmeshOnHTTPContextCreate(id, parent uint32) uint32 {
	start()
	return WasmeshOnHTTPContextCreate(id, parent)
}

//go:wasmexport proxy_on_configure
func proxyOnConfigure(id, size uint32) uint32 { start(); return ProxyOnConfigure(id, size) }

//go:wasmexport proxy_on_done
func proxyOnDone(id uint32) uint32 { return ProxyOnDone(id) }

// wasmesh_on_stream_end lets the wasmesh host end a stream in one call
// instead of three (done, log, delete); other hosts ignore it.
//
//go:wasmexport wasmesh_on_stream_end
func wasmeshOnStreamEnd(id uint32) uint32 { return WasmeshOnStreamEnd(id) }

//go:wasmexport proxy_on_log
func proxyOnLog(id uint32) { ProxyOnLog(id) }

//go:wasmexport proxy_on_delete
func proxyOnDelete(id uint32) { ProxyOnDelete(id) }

//go:wasmexport proxy_on_tick
func proxyOnTick(id uint32) { ProxyOnTick(id) }

//go:wasmexport proxy_on_queue_ready
func proxyOnQueueReady(id, queueID uint32) { ProxyOnQueueReady(id, queueID) }

//go:wasmexport proxy_on_http_call_response
func proxyOnHttpCallResponse(id, callID, headers, body, trailers uint32) {
	ProxyOnHttpCallResponse(id, callID, headers, body, trailers)
}

//go:wasmexport proxy_on_request_headers
func proxyOnRequestHeaders(id, n, eos uint32) uint32 { return ProxyOnRequestHeaders(id, n, eos) }

//go:wasmexport proxy_on_request_body
func proxyOnRequestBody(id, size, eos uint32) uint32 { return ProxyOnRequestBody(id, size, eos) }

//go:wasmexport proxy_on_request_trailers
func proxyOnRequestTrailers(id, n uint32) uint32 { return ProxyOnRequestTrailers(id, n) }

//go:wasmexport proxy_on_response_headers
func proxyOnResponseHeaders(id, n, eos uint32) uint32 { return ProxyOnResponseHeaders(id, n, eos) }

//go:wasmexport proxy_on_response_body
func proxyOnResponseBody(id, size, eos uint32) uint32 { return ProxyOnResponseBody(id, size, eos) }

//go:wasmexport proxy_on_response_trailers
func proxyOnResponseTrailers(id, n uint32) uint32 { return ProxyOnResponseTrailers(id, n) }

//go:wasmexport proxy_on_new_connection
func proxyOnNewConnection(id uint32) uint32 { return ProxyOnNewConnection(id) }

//go:wasmexport proxy_on_downstream_data
func proxyOnDownstreamData(id, size, eos uint32) uint32 { return ProxyOnDownstreamData(id, size, eos) }

//go:wasmexport proxy_on_downstream_connection_close
func proxyOnDownstreamConnectionClose(id, peer uint32) { ProxyOnDownstreamConnectionClose(id, peer) }

//go:wasmexport proxy_on_upstream_data
func proxyOnUpstreamData(id, size, eos uint32) uint32 { return ProxyOnUpstreamData(id, size, eos) }

//go:wasmexport proxy_on_upstream_connection_close
func proxyOnUpstreamConnectionClose(id, peer uint32) { ProxyOnUpstreamConnectionClose(id, peer) }
