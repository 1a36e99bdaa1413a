package abi

// HTTPCallbacks is the set of HTTP stream callbacks a guest context acts
// on, as wasmesh's optional export wasmesh_on_http_context_create(context,
// root) -> HTTPCallbacks answers it when it creates the context. The host
// does not call the ones left out: their SDK defaults only return CONTINUE,
// so skipping them changes nothing but the cost. Guests without the export
// get every callback, as the ABI specifies.
type HTTPCallbacks uint32

// The callbacks of an HTTP stream context.
const (
	OnRequestHeaders HTTPCallbacks = 1 << iota
	OnRequestBody
	OnRequestTrailers
	OnResponseHeaders
	OnResponseBody
	OnResponseTrailers
	// OnStreamDone is the stream's end (proxy_on_log; the SDK's
	// OnHttpStreamDone). The host calls the end anyway, to delete the
	// context; without this bit the guest reads nothing there, so the proxy
	// need not keep the response headers for it.
	OnStreamDone

	AllHTTPCallbacks = OnRequestHeaders | OnRequestBody | OnRequestTrailers | OnResponseHeaders |
		OnResponseBody | OnResponseTrailers | OnStreamDone
)

// ExportHTTPContextCreate is the optional export's name.
const ExportHTTPContextCreate = "wasmesh_on_http_context_create"
