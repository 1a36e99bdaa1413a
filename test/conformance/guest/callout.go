package guest

import (
	"errors"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

// dispatch checks a rejected call, then sends the call the test answers;
// the response callback resumes the request.
func (h *httpContext) dispatch() {
	_, err := proxywasm.DispatchHttpCall(Upstream, [][2]string{{":method", "GET"}}, nil, nil, 1000, nil)
	expect("http_call_bad_headers", errors.Is(err, types.ErrorStatusBadArgument), "%v", err)

	hdrs := [][2]string{{":method", "POST"}, {":path", "/callout"}, {":authority", "upstream"}}
	_, err = proxywasm.DispatchHttpCall(Upstream, hdrs, []byte("ping"), [][2]string{{"x-ct", "1"}}, 5000, h.onCallResponse)
	noErr("http_call", err)
}

func (h *httpContext) onCallResponse(numHeaders, bodySize, numTrailers int) {
	hdrs, err := proxywasm.GetHttpCallResponseHeaders()
	st, _ := header(hdrs, ":status")
	x, _ := header(hdrs, "x-callout")
	expect("http_call_response_headers", err == nil && len(hdrs) == numHeaders && st == "200" && x == "yes",
		"%v (n %d), %v", hdrs, numHeaders, err)
	body, err := proxywasm.GetHttpCallResponseBody(0, bodySize)
	expect("http_call_response_body", err == nil && string(body) == "pong", "%q, %v", body, err)
	tr, err := proxywasm.GetHttpCallResponseTrailers()
	t, _ := header(tr, "x-t")
	expect("http_call_response_trailers", err == nil && len(tr) == numTrailers && t == "1", "%v, %v", tr, err)
	noErr("http_call_mutate_request", proxywasm.ReplaceHttpRequestHeader("x-callout", x))
	noErr("resume_request", proxywasm.ResumeHttpRequest())
}
