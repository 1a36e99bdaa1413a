package abi

// HTTPCallbacks is the set of HTTP stream callbacks a guest context acts
// on, as wasmesh's optional export wasmesh_on_http_context_create(context,
// root) -> HTTPCallbacks answers it when it creates the context. The host
// does not call the ones left out: their SDK defaults only return CONTINUE,
// so skipping them changes nothing but the cost. Guests without the export
// get every callback, as the ABI specifies. The stream's end (done, log,
// delete) is always called.
type HTTPCallbacks uint32

// The callbacks of an HTTP stream context.
const (
	OnRequestHeaders HTTPCallbacks = 1 << iota
	OnRequestBody
	OnRequestTrailers
	OnResponseHeaders
	OnResponseBody
	OnResponseTrailers

	AllHTTPCallbacks = OnRequestHeaders | OnRequestBody | OnRequestTrailers | OnResponseHeaders |
		OnResponseBody | OnResponseTrailers
)

// ExportHTTPContextCreate is the optional export's name.
const ExportHTTPContextCreate = "wasmesh_on_http_context_create"
