package host

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// DefaultHTTPCallTimeout applies when the guest passes timeout 0.
const DefaultHTTPCallTimeout = 30 * time.Second

// maxPendingHTTPCalls bounds an instance's outstanding http calls.
const maxPendingHTTPCalls = 1024

// ErrHTTPCallTimeout is the Err of a call the dispatcher did not answer in time.
var ErrHTTPCallTimeout = errors.New("host: http call timed out")

// httpCallRequest validates proxy_http_call's decoded arguments: the
// headers must parse and hold :method, :path and :authority.
func httpCallRequest(cluster string, headers, body, trailers []byte, timeoutMS uint32) (HTTPCallRequest, abi.Status) {
	if cluster == "" {
		return HTTPCallRequest{}, abi.StatusBadArgument
	}
	h, err := abi.DecodeMap(headers)
	if err != nil {
		return HTTPCallRequest{}, abi.StatusBadArgument
	}
	for _, k := range [...]string{":method", ":path", ":authority"} {
		if v, ok := headerGet(h, k); !ok || v == "" {
			return HTTPCallRequest{}, abi.StatusBadArgument
		}
	}
	t, err := abi.DecodeMap(trailers)
	if err != nil {
		return HTTPCallRequest{}, abi.StatusBadArgument
	}
	timeout := time.Duration(timeoutMS) * time.Millisecond
	if timeout == 0 {
		timeout = DefaultHTTPCallTimeout
	}
	return HTTPCallRequest{Cluster: cluster, Headers: h, Body: append([]byte(nil), body...), Trailers: t, Timeout: timeout}, abi.StatusOK
}

func httpCallFuncs() []hostFunc {
	return []hostFunc{
		{"proxy_http_call", i32s(10), func(in *instance, s []uint64) abi.Status {
			cluster, ok1 := readString(in.mem, uint32(s[0]), uint32(s[1]))
			hdrs, ok2 := view(in.mem, uint32(s[2]), uint32(s[3]))
			body, ok3 := view(in.mem, uint32(s[4]), uint32(s[5]))
			trl, ok4 := view(in.mem, uint32(s[6]), uint32(s[7]))
			idPtr := uint32(s[9])
			if !ok1 || !ok2 || !ok3 || !ok4 || !guestRange(in.mem.Size(), idPtr, 4) {
				return abi.StatusInvalidMemoryAccess
			}
			req, st := httpCallRequest(cluster, hdrs, body, trl, uint32(s[8]))
			if st != abi.StatusOK {
				return st
			}
			d := in.p.h.cfg.HTTPCalls
			if d == nil {
				return abi.StatusBadArgument
			}
			if in.callsPending.Load() >= maxPendingHTTPCalls {
				return abi.StatusInternalFailure
			}
			in.callsPending.Add(1)
			in.nextCall++
			id := in.nextCall
			writeU32(in.mem, idPtr, id)
			var fired atomic.Bool
			var timer atomic.Pointer[time.Timer]
			deliver := func(resp HTTPCallResponse) {
				if fired.Swap(true) {
					return
				}
				in.callsPending.Add(-1)
				if t := timer.Load(); t != nil {
					t.Stop()
				}
				in.tasks.push(func(in *instance) { in.deliverHTTPCall(id, resp) })
			}
			timer.Store(time.AfterFunc(req.Timeout, func() { deliver(HTTPCallResponse{Err: ErrHTTPCallTimeout}) }))
			d.Dispatch(in.p.ctx, req, deliver)
			return abi.StatusOK
		}},
	}
}

// deliverHTTPCall runs proxy_on_http_call_response on the root context;
// num_headers is 0 when the call failed.
func (in *instance) deliverHTTPCall(id uint32, resp HTTPCallResponse) {
	in.runAsync(func() {
		in.callout = &resp
		nh := len(resp.Headers)
		if resp.Err != nil {
			nh = 0
		}
		_, _ = in.call(cbHTTPCallResponse, rootContextID, uint64(id), uint64(nh), uint64(len(resp.Body)), uint64(len(resp.Trailers)))
		in.callout = nil
	})
}

// grpcFuncs answer every gRPC call with UNIMPLEMENTED.
func grpcFuncs() []hostFunc {
	unimpl := func(*instance, []uint64) abi.Status { return abi.StatusUnimplemented }
	return []hostFunc{
		{"proxy_grpc_call", i32s(12), unimpl},
		{"proxy_grpc_stream", i32s(9), unimpl},
		{"proxy_grpc_send", i32s(4), unimpl},
		{"proxy_grpc_cancel", i32s(1), unimpl},
		{"proxy_grpc_close", i32s(1), unimpl},
	}
}
