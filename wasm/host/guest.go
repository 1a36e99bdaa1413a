package host

import (
	"errors"
	"fmt"
	goruntime "runtime"
	"slices"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// ErrABIVersion is wrapped by the LoadError of a module without a supported
// proxy_abi_version_* marker.
var ErrABIVersion = errors.New("host: unsupported proxy-wasm ABI version")

// guest callbacks, indexes into guestABI.names.
const (
	cbMalloc = iota
	cbInitialize
	cbContextCreate
	cbVMStart
	cbConfigure
	cbDone
	cbLog
	cbDelete
	cbTick
	cbQueueReady
	cbHTTPCallResponse
	cbForeignFunction
	cbNewConnection
	cbDownstreamData
	cbDownstreamClose
	cbUpstreamData
	cbUpstreamClose
	cbRequestHeaders
	cbRequestBody
	cbRequestTrailers
	cbResponseHeaders
	cbResponseBody
	cbResponseTrailers
	// cbChunk is wasmesh's optional extension to the allocator (see
	// chunk.go): a guest exporting it gets small results carved from
	// chunks instead of one proxy_on_memory_allocate call each.
	cbChunk
	// cbStreamEnd is wasmesh's optional one-call stream end:
	// wasmesh_on_stream_end(ctx) runs proxy_on_done and, when that lets
	// the context go, proxy_on_log and proxy_on_delete, and answers
	// whether it did; one call into the guest instead of three.
	cbStreamEnd
	// cbHTTPContextCreate is wasmesh's optional proxy_on_context_create
	// for HTTP streams, which answers the callbacks the context acts on
	// (abi.HTTPCallbacks); the others are not called.
	cbHTTPContextCreate
	numCallbacks
)

type signature struct {
	params, results int // all i32
}

var callbackNames = [numCallbacks]string{
	cbMalloc: "proxy_on_memory_allocate", cbInitialize: "_initialize",
	cbContextCreate: "proxy_on_context_create", cbVMStart: "proxy_on_vm_start",
	cbConfigure: "proxy_on_configure", cbDone: "proxy_on_done", cbLog: "proxy_on_log",
	cbDelete: "proxy_on_delete", cbTick: "proxy_on_tick", cbQueueReady: "proxy_on_queue_ready",
	cbHTTPCallResponse: "proxy_on_http_call_response", cbForeignFunction: "proxy_on_foreign_function",
	cbNewConnection: "proxy_on_new_connection", cbDownstreamData: "proxy_on_downstream_data",
	cbDownstreamClose: "proxy_on_downstream_connection_close", cbUpstreamData: "proxy_on_upstream_data",
	cbUpstreamClose: "proxy_on_upstream_connection_close", cbRequestHeaders: "proxy_on_request_headers",
	cbRequestBody: "proxy_on_request_body", cbRequestTrailers: "proxy_on_request_trailers",
	cbResponseHeaders: "proxy_on_response_headers", cbResponseBody: "proxy_on_response_body",
	cbResponseTrailers: "proxy_on_response_trailers", cbChunk: "wasmesh_alloc_chunk",
	cbStreamEnd: "wasmesh_on_stream_end", cbHTTPContextCreate: abi.ExportHTTPContextCreate,
}

var callbackSigs = [numCallbacks]signature{
	cbMalloc: {1, 1}, cbInitialize: {0, 0}, cbContextCreate: {2, 0}, cbVMStart: {2, 1},
	cbConfigure: {2, 1}, cbDone: {1, 1}, cbLog: {1, 0}, cbDelete: {1, 0}, cbTick: {1, 0},
	cbQueueReady: {2, 0}, cbHTTPCallResponse: {5, 0}, cbForeignFunction: {3, 0},
	cbNewConnection: {1, 1}, cbDownstreamData: {3, 1}, cbDownstreamClose: {2, 0},
	cbUpstreamData: {3, 1}, cbUpstreamClose: {2, 0}, cbRequestHeaders: {3, 1},
	cbRequestBody: {3, 1}, cbRequestTrailers: {2, 1}, cbResponseHeaders: {3, 1},
	cbResponseBody: {3, 1}, cbResponseTrailers: {2, 1}, cbChunk: {1, 1},
	cbStreamEnd: {1, 1}, cbHTTPContextCreate: {2, 1},
}

// guestABI is what a module exports, checked once per load.
type guestABI struct {
	has    [numCallbacks]bool
	malloc string // proxy_on_memory_allocate or malloc
}

// checkGuestABI refuses modules without a supported marker, without memory
// or an allocator, or with a callback of the wrong signature.
func checkGuestABI(m wazero.CompiledModule) (*guestABI, LoadReason, error) {
	fns := m.ExportedFunctions()
	if _, ok := fns[abi.MarkerV021]; !ok {
		if _, ok := fns[abi.MarkerV020]; !ok {
			var found []string
			for name := range fns {
				if len(name) > 18 && name[:18] == "proxy_abi_version_" {
					found = append(found, name)
				}
			}
			slices.Sort(found)
			return nil, ReasonABI, fmt.Errorf("%w: exports %v, want %s or %s", ErrABIVersion, found, abi.MarkerV020, abi.MarkerV021)
		}
	}
	if _, ok := m.ExportedMemories()["memory"]; !ok {
		return nil, ReasonExports, errors.New("host: module exports no \"memory\"")
	}
	g := &guestABI{}
	for i, name := range callbackNames {
		def, ok := fns[name]
		if i == cbMalloc && !ok {
			if def, ok = fns["malloc"]; ok {
				name = "malloc"
			}
		}
		if !ok {
			continue
		}
		if err := checkSig(name, def, callbackSigs[i]); err != nil {
			return nil, ReasonExports, err
		}
		g.has[i] = true
		if i == cbMalloc {
			g.malloc = name
		}
	}
	if !g.has[cbMalloc] {
		return nil, ReasonExports, errors.New("host: module exports neither proxy_on_memory_allocate nor malloc")
	}
	return g, "", nil
}

func checkSig(name string, def api.FunctionDefinition, want signature) error {
	ok := len(def.ParamTypes()) == want.params && len(def.ResultTypes()) == want.results
	for _, t := range def.ParamTypes() {
		ok = ok && t == api.ValueTypeI32
	}
	for _, t := range def.ResultTypes() {
		ok = ok && t == api.ValueTypeI32
	}
	if !ok {
		return fmt.Errorf("host: export %s has signature %v -> %v, want %d i32 params and %d i32 results",
			name, def.ParamTypes(), def.ResultTypes(), want.params, want.results)
	}
	return nil
}

func defaultPoolSize() int { return goruntime.GOMAXPROCS(0) }
