package dual

import (
	"context"
	"time"

	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// calloutWait bounds how long CallOnHttpCallResponse waits for the guest to
// act on a stream after the response was handed to the host.
const calloutWait = 10 * time.Second

type pendingCall struct {
	attr proxytest.HttpCalloutAttribute
	done func(host.HTTPCallResponse)
}

// Dispatch records the guest's proxy_http_call for the test to answer.
func (w *wasmHost) Dispatch(_ context.Context, req host.HTTPCallRequest, done func(host.HTTPCallResponse)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.nextCallout++
	id := w.nextCallout
	w.callouts[id] = &pendingCall{done: done, attr: proxytest.HttpCalloutAttribute{CalloutID: id,
		Upstream: req.Cluster, Headers: kv(req.Headers), Trailers: kv(req.Trailers), Body: req.Body}}
}

func (w *wasmHost) GetCalloutAttributesFromContext(uint32) []proxytest.HttpCalloutAttribute {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []proxytest.HttpCalloutAttribute
	for id := uint32(1); id <= w.nextCallout; id++ {
		if c := w.callouts[id]; c != nil {
			out = append(out, c.attr)
		}
	}
	return out
}

// CallOnHttpCallResponse answers a call (nil headers: a failed call) and
// waits until the guest resumed, answered or closed a stream.
func (w *wasmHost) CallOnHttpCallResponse(id uint32, headers, trailers [][2]string, body []byte) {
	w.mu.Lock()
	c := w.callouts[id]
	delete(w.callouts, id)
	w.mu.Unlock()
	if c == nil {
		w.t.Fatalf("dual: no pending http call %d", id)
	}
	for len(w.events) > 0 {
		<-w.events
	}
	resp := host.HTTPCallResponse{Headers: pairs(headers), Trailers: pairs(trailers), Body: body}
	if headers == nil {
		resp.Err = context.DeadlineExceeded
	}
	c.done(resp)
	waitEvent(w.events, calloutWait)
}
