// Package httpx is meshproxy's http_connection_manager: it runs the HTTP
// filter chain (fault, cors, jwt_authn, Wasm via Filter implementations),
// selects routes, and forwards requests to clusters with Envoy's router
// semantics (weighted clusters, timeouts, retries with backoff, rewrites,
// redirects, direct responses, mirroring, header operations, WebSocket
// upgrades, gRPC trailers), writing Envoy's default access log format.
// With the HCM's OpenTelemetry tracing it continues or starts a trace per
// request (proxy/tracing) and sends W3C and B3 headers upstream; without it
// the request path has no tracing cost beyond one nil check. Routes to an
// ORIGINAL_DST cluster go to the connection's captured destination (or the
// x-envoy-original-dst-host header when the cluster uses it).
//
// A Handler is immutable: a config change builds a new Handler and the
// listener swaps it in, so in-flight requests finish on the old one.
package httpx
