package host

import "github.com/wasmesh/wasmesh/wasm/abi"

// HTTPStream is one HTTP request/response through a plugin. Its methods are
// called by one goroutine at a time, in stream order.
type HTTPStream struct{ s stream }

// NewHTTPStream opens a stream context on one of the plugin's instances. If
// no instance is available the stream's callbacks return the fail-strategy
// result.
func (p *Plugin) NewHTTPStream(props Properties, cb StreamCallbacks) *HTTPStream {
	return &HTTPStream{s: p.newStream(props, cb, true)}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// OnRequestHeaders runs proxy_on_request_headers over *h.
func (s *HTTPStream) OnRequestHeaders(h *Headers, endOfStream bool) Result {
	return s.s.run(cbRequestHeaders, func(st *streamState) { st.reqHeaders = h }, 0, uint64(len(*h)), b2u(endOfStream))
}

// OnRequestBody runs proxy_on_request_body; *body is the request body
// buffered so far, which the guest may read and replace.
func (s *HTTPStream) OnRequestBody(body *[]byte, endOfStream bool) Result {
	return s.s.run(cbRequestBody, func(st *streamState) { st.reqBody = body }, 0, uint64(len(*body)), b2u(endOfStream))
}

// OnRequestTrailers runs proxy_on_request_trailers over *t.
func (s *HTTPStream) OnRequestTrailers(t *Headers) Result {
	return s.s.run(cbRequestTrailers, func(st *streamState) { st.reqTrailers = t }, 0, uint64(len(*t)))
}

// OnResponseHeaders runs proxy_on_response_headers over *h.
func (s *HTTPStream) OnResponseHeaders(h *Headers, endOfStream bool) Result {
	return s.s.run(cbResponseHeaders, func(st *streamState) { st.respHeaders = h }, 0, uint64(len(*h)), b2u(endOfStream))
}

// OnResponseBody runs proxy_on_response_body over the buffered response body.
func (s *HTTPStream) OnResponseBody(body *[]byte, endOfStream bool) Result {
	return s.s.run(cbResponseBody, func(st *streamState) { st.respBody = body; st.responseSent = true }, 0, uint64(len(*body)), b2u(endOfStream))
}

// OnResponseTrailers runs proxy_on_response_trailers over *t.
func (s *HTTPStream) OnResponseTrailers(t *Headers) Result {
	return s.s.run(cbResponseTrailers, func(st *streamState) { st.respTrailers = t; st.responseSent = true }, 0, uint64(len(*t)))
}

// Done runs proxy_on_done, proxy_on_log and proxy_on_delete and releases the
// instance. Further calls return the fail-strategy result.
func (s *HTTPStream) Done() { s.s.done() }

// Calls reports whether the guest acts on any of the callbacks c. The host
// does not call the others: a filter need not prepare their input (e.g.
// buffer a body for a guest that does not read it).
func (s *HTTPStream) Calls(c abi.HTTPCallbacks) bool { return s.s.st.calls&c != 0 }

// Err is why the stream's guest failed, or nil.
func (s *HTTPStream) Err() error { return s.s.err }
