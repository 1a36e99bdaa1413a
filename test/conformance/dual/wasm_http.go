package dual

import (
	"strings"
	"sync"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// wasmStream is one HTTP or TCP stream on the real host and what the guest
// left of it.
type wasmStream struct {
	http *host.HTTPStream
	tcp  *host.TCPStream

	reqHeaders, respHeaders, reqTrailers, respTrailers host.Headers
	reqBody, respBody, down, up                        []byte
	reqPaused, respPaused                              bool

	mu      sync.Mutex // action, resumes and local change from host goroutines
	action  types.Action
	resumes int
	local   *proxytest.LocalHttpResponse
	closed  bool
}

func (s *wasmStream) done() {
	if s.http != nil {
		s.http.Done()
	}
	if s.tcp != nil {
		s.tcp.Done()
	}
}

func (w *wasmHost) callbacks(s *wasmStream) host.StreamCallbacks {
	return host.StreamCallbacks{
		Resume: func(abi.StreamType) {
			s.mu.Lock()
			s.action = types.ActionContinue
			s.resumes++
			s.mu.Unlock()
			w.signal()
		},
		Close: func(abi.StreamType) {
			s.mu.Lock()
			s.closed = true
			s.mu.Unlock()
			w.signal()
		},
		LocalReply: func(lr host.LocalResponse) {
			s.mu.Lock()
			s.local = toLocal(&lr)
			s.mu.Unlock()
			w.signal()
		},
	}
}

func (w *wasmHost) InitializeHttpContext() uint32 {
	p := w.plugin()
	s := &wasmStream{}
	s.http = p.NewHTTPStream(w, w.callbacks(s))
	if err := s.http.Err(); err != nil {
		w.t.Fatalf("dual: new http stream: %v", err)
	}
	id := w.nextID
	w.nextID++
	w.streams[id] = s
	return id
}

func (w *wasmHost) stream(id uint32) *wasmStream {
	s := w.streams[id]
	if s == nil {
		w.t.Fatalf("dual: no stream %d", id)
	}
	return s
}

// run runs one stream callback and records its outcome. A resume the host
// delivered from another goroutine while the callback returned wins over the
// callback's pause.
func (w *wasmHost) run(s *wasmStream, call func() host.Result) types.Action {
	w.t.Helper()
	s.mu.Lock()
	before := s.resumes
	s.mu.Unlock()
	r := call()
	if r.Err != nil {
		w.t.Errorf("dual: guest failed: %v", r.Err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Local != nil {
		s.local = toLocal(r.Local)
	}
	s.action = types.Action(r.Action)
	if s.resumes != before {
		s.action = types.ActionContinue
	}
	return types.Action(r.Action)
}

func (w *wasmHost) CallOnRequestHeaders(id uint32, headers [][2]string, eos bool) types.Action {
	s := w.stream(id)
	s.reqHeaders = pairs(headers)
	return w.run(s, func() host.Result { return s.http.OnRequestHeaders(&s.reqHeaders, eos) })
}

func (w *wasmHost) CallOnRequestBody(id uint32, body []byte, eos bool) types.Action {
	s := w.stream(id)
	s.reqBody = chunk(s.reqBody, body, s.reqPaused)
	a := w.run(s, func() host.Result { return s.http.OnRequestBody(&s.reqBody, eos) })
	s.reqPaused = a == types.ActionPause
	return a
}

func (w *wasmHost) CallOnRequestTrailers(id uint32, trailers [][2]string) types.Action {
	s := w.stream(id)
	s.reqTrailers = pairs(trailers)
	return w.run(s, func() host.Result { return s.http.OnRequestTrailers(&s.reqTrailers) })
}

func (w *wasmHost) CallOnResponseHeaders(id uint32, headers [][2]string, eos bool) types.Action {
	s := w.stream(id)
	s.respHeaders = pairs(headers)
	return w.run(s, func() host.Result { return s.http.OnResponseHeaders(&s.respHeaders, eos) })
}

func (w *wasmHost) CallOnResponseBody(id uint32, body []byte, eos bool) types.Action {
	s := w.stream(id)
	s.respBody = chunk(s.respBody, body, s.respPaused)
	a := w.run(s, func() host.Result { return s.http.OnResponseBody(&s.respBody, eos) })
	s.respPaused = a == types.ActionPause
	return a
}

func (w *wasmHost) CallOnResponseTrailers(id uint32, trailers [][2]string) types.Action {
	s := w.stream(id)
	s.respTrailers = pairs(trailers)
	return w.run(s, func() host.Result { return s.http.OnResponseTrailers(&s.respTrailers) })
}

func (w *wasmHost) CompleteHttpContext(id uint32) {
	w.stream(id).done()
	delete(w.streams, id)
}

func (w *wasmHost) GetCurrentHttpStreamAction(id uint32) types.Action {
	s := w.stream(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.action
}

func (w *wasmHost) GetCurrentRequestHeaders(id uint32) [][2]string {
	return kv(w.stream(id).reqHeaders)
}

func (w *wasmHost) GetCurrentResponseHeaders(id uint32) [][2]string {
	return kv(w.stream(id).respHeaders)
}

func (w *wasmHost) GetCurrentRequestBody(id uint32) []byte  { return w.stream(id).reqBody }
func (w *wasmHost) GetCurrentResponseBody(id uint32) []byte { return w.stream(id).respBody }

func (w *wasmHost) GetSentLocalResponse(id uint32) *proxytest.LocalHttpResponse {
	s := w.stream(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.local
}

func toLocal(lr *host.LocalResponse) *proxytest.LocalHttpResponse {
	return &proxytest.LocalHttpResponse{StatusCode: uint32(lr.Status), StatusCodeDetail: lr.Details,
		Data: lr.Body, Headers: kv(lr.Headers), GRPCStatus: lr.GRPCStatus}
}

func chunk(prev, data []byte, buffered bool) []byte {
	if buffered {
		return append(prev, data...)
	}
	return append([]byte{}, data...)
}

func pairs(h [][2]string) host.Headers {
	ps := make(host.Headers, len(h))
	for i, p := range h {
		ps[i] = abi.Pair{Key: strings.ToLower(p[0]), Value: p[1]}
	}
	return ps
}

func kv(ps []abi.Pair) [][2]string {
	out := make([][2]string, len(ps))
	for i, p := range ps {
		out[i] = [2]string{p.Key, p.Value}
	}
	return out
}
