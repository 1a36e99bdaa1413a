// Package wasmfilter runs envoy.filters.http.wasm in meshproxy: it loads
// modules (local files, inline bytes, or remote http_uri fetched and verified
// by sha256 through wasm/fetch), compiles each once through wasm/host, and
// drives proxy-wasm HTTP streams from the proxy's filter chain, exposing the
// stream's attributes (request.*, response.*, source.*, destination.*,
// connection.*, request.auth.*, xds.*) as properties and sending the guests'
// proxy_http_call requests to the proxy's clusters.
//
// Bodies and trailers reach proxy_on_request_body/_trailers and
// proxy_on_response_body/_trailers chunk by chunk; a PAUSE buffers
// (StopIterationAndBuffer) up to 1 MiB per stream (over it: 413 for a
// request, a reset response), and the guest's body changes go upstream and
// downstream. Filtered responses are sent without Content-Length (chunked),
// since a guest may change the body's length.
package wasmfilter
