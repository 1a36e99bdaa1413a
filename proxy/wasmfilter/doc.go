// Package wasmfilter runs envoy.filters.http.wasm in meshproxy: it loads
// modules (local files, inline bytes, or remote http_uri fetched and verified
// by sha256 through wasm/fetch), compiles each once through wasm/host, and
// drives proxy-wasm HTTP streams from the proxy's filter chain, exposing the
// stream's attributes (request.*, response.*, source.*, destination.*,
// connection.*, request.auth.*, xds.*) as properties and sending the guests'
// proxy_http_call requests to the proxy's clusters.
//
// Known limit: body callbacks are not driven yet; filters see headers only.
package wasmfilter
