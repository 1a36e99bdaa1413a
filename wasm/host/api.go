package host

import (
	"context"
	"time"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// Headers is a header or trailer map as the proxy holds it. The stream keeps
// the pointer it was given; the guest's mutations are visible after each call.
// They never write over a pair the slice already holds: a replacement or
// removal makes a new slice and an addition appends, so the slice the proxy
// passed, capped at its length, stays what it sent.
type Headers = []abi.Pair

// Result is what a stream callback decided.
type Result struct {
	// Action is CONTINUE or PAUSE. After PAUSE the proxy waits for
	// StreamCallbacks.Resume (or a local response / close).
	Action abi.Action
	// Local, when non-nil, is a response to send downstream instead of
	// continuing; the filter chain stops.
	Local *LocalResponse
	// Err is set when the guest failed (trap, timeout, dead instance); the
	// Action/Local fields then hold the plugin's fail-strategy result.
	Err error
}

// LocalResponse is a reply produced by proxy_send_local_response or by the
// FailClose strategy.
type LocalResponse struct {
	Status     int
	Headers    []abi.Pair
	Body       []byte
	Details    string
	GRPCStatus int32 // -1 when the guest gave none
}

// StreamCallbacks are how the guest acts on a stream outside of the
// callback that is running. They are called after the guest call returned,
// never while an instance is busy, from the goroutine that ran the guest.
type StreamCallbacks struct {
	// Resume: the guest called proxy_continue_stream after a pause.
	Resume func(abi.StreamType)
	// Close: the guest called proxy_close_stream.
	Close func(abi.StreamType)
	// LocalReply: the guest called proxy_send_local_response outside of a
	// stream callback (e.g. in an http-call response). Inside a stream
	// callback the reply is returned in Result.Local instead.
	LocalReply func(LocalResponse)
}

// Properties are the stream's attributes (request.*, source.*, connection.*,
// ...), filled by the proxy. Path is the decoded property path, e.g.
// ["request", "headers", "x-a"]; it is shared across lookups of the same
// path, so Property must neither modify nor keep it.
type Properties interface {
	Property(path []string) ([]byte, bool)
}

// HTTPCallDispatcher sends proxy_http_call requests for the guest. Dispatch
// must not block; it calls done exactly once, from any goroutine, possibly
// before Dispatch returns.
type HTTPCallDispatcher interface {
	Dispatch(ctx context.Context, req HTTPCallRequest, done func(HTTPCallResponse))
}

// HTTPCallRequest is a guest's proxy_http_call. Cluster is the upstream name;
// Headers always hold :method, :path and :authority.
type HTTPCallRequest struct {
	Cluster  string
	Headers  []abi.Pair
	Body     []byte
	Trailers []abi.Pair
	Timeout  time.Duration
}

// HTTPCallResponse answers an HTTPCallRequest. A non-nil Err (failure or
// timeout) reaches the guest as num_headers 0.
type HTTPCallResponse struct {
	Headers, Trailers []abi.Pair
	Body              []byte
	Err               error
}
