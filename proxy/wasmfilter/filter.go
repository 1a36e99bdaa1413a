package wasmfilter

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/proxy/httpx"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// pauseLimit bounds how long a paused stream waits for the guest to resume it.
const pauseLimit = 30 * time.Second

// Filter is one Wasm plugin in an HTTP filter chain.
type Filter struct {
	p     *host.Plugin
	name  string
	local string // connection.uri_san_local_certificate under mTLS
}

var _ httpx.Filter = (*Filter)(nil)

// Name implements httpx.Filter.
func (f *Filter) Name() string { return f.name }

type streamSync struct {
	mu     sync.Mutex
	wake   chan struct{} // made by whoever needs it first: most streams never pause
	local  *host.LocalResponse
	closed bool
}

func (ss *streamSync) wakeC() chan struct{} {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.wake == nil {
		ss.wake = make(chan struct{}, 1)
	}
	return ss.wake
}

func (ss *streamSync) signal() {
	select {
	case ss.wakeC() <- struct{}{}:
	default:
	}
}

// OnSkipped implements httpx.Skipper: an earlier filter answered the
// request, so the guest only sees the stream's end (proxy_on_done and
// proxy_on_log), with the stream's properties, as in Envoy.
func (f *Filter) OnSkipped(s *httpx.Stream) {
	st := f.p.NewHTTPStream(&props{s: s, local: f.local}, host.StreamCallbacks{})
	s.OnDone(st.Done)
}

var _ httpx.Skipper = (*Filter)(nil)

// OnRequest implements httpx.Filter: it runs the guest's request-headers
// callback and registers the response-headers callback.
func (f *Filter) OnRequest(s *httpx.Stream) *httpx.LocalReply {
	pr := &props{s: s, local: f.local}
	ss := &streamSync{}
	st := f.p.NewHTTPStream(pr, host.StreamCallbacks{
		Resume: func(abi.StreamType) { ss.signal() },
		Close: func(abi.StreamType) {
			ss.mu.Lock()
			ss.closed = true
			ss.mu.Unlock()
			ss.signal()
		},
		LocalReply: func(lr host.LocalResponse) {
			ss.mu.Lock()
			ss.local = &lr
			ss.mu.Unlock()
			ss.signal()
		},
	})
	s.OnDone(st.Done)
	noBody := s.Req.ContentLength == 0 || s.Req.Body == nil || s.Req.Body == http.NoBody
	// The headers go to the host even when the guest skips the callback: it
	// may read them later (Envoy lets response callbacks and the log do so).
	hdrs := requestPairs(s.Req)
	sent := snapshot(hdrs)
	if lr := f.wait(s, ss, st.OnRequestHeaders(&hdrs, noBody)); lr != nil {
		return lr
	}
	if added, ok := appended(sent, hdrs); ok {
		for _, p := range added {
			s.Req.Header.Add(p.Key, p.Value)
		}
	} else {
		applyRequest(s.Req, hdrs)
	}
	// The body callbacks run only for a guest that reads bodies: other
	// bodies stream through untouched, with their length.
	if !noBody && st.Calls(abi.OnRequestBody|abi.OnRequestTrailers) {
		if lr := f.requestBody(s, st, ss); lr != nil {
			return lr
		}
	}
	if st.Calls(abi.OnResponseBody | abi.OnResponseTrailers) {
		s.WrapResponseBody(responseBody(st))
	}
	if !st.Calls(abi.OnResponseHeaders | abi.OnResponseBody | abi.OnResponseTrailers | abi.OnStreamDone) {
		return nil // the guest is done with this stream: nothing of the response reaches it
	}
	callsHeaders := st.Calls(abi.OnResponseHeaders)
	s.OnResponseHeaders(func(status int, h http.Header) {
		pr.status = status
		if !callsHeaders {
			// The guest may still read them at the stream's end.
			rh := responsePairs(status, h)
			st.OnResponseHeaders(&rh, false)
		} else {
			f.responseHeaders(st, status, h)
		}
		if st.Calls(abi.OnResponseBody) && hasBody(s.Req.Method, status, h.Get("Content-Length")) {
			// The body callbacks may change the body's length: send it chunked.
			h.Del("Content-Length")
		}
	})
	return nil
}

// responseHeaders runs the guest's response-headers callback and writes its
// changes back into h.
func (f *Filter) responseHeaders(st *host.HTTPStream, status int, h http.Header) {
	rh := responsePairs(status, h)
	sent := snapshot(rh)
	res := st.OnResponseHeaders(&rh, false)
	if res.Local != nil {
		return // headers are already committed upstream; Envoy would reset, we keep the response
	}
	if added, ok := appended(sent, rh); ok {
		for _, p := range added {
			h.Add(p.Key, p.Value)
		}
	} else {
		for k := range h {
			delete(h, k)
		}
		for _, p := range rh {
			if !strings.HasPrefix(p.Key, ":") {
				h.Add(p.Key, p.Value)
			}
		}
	}
}

// wait turns a callback result into a local reply or waits out a pause.
func (f *Filter) wait(s *httpx.Stream, ss *streamSync, r host.Result) *httpx.LocalReply {
	if r.Local != nil {
		return localReply(r.Local)
	}
	if r.Action != abi.ActionPause {
		return nil
	}
	t := time.NewTimer(pauseLimit)
	defer t.Stop()
	select {
	case <-ss.wakeC():
	case <-s.Req.Context().Done():
		return &httpx.LocalReply{Status: 499, Flag: httpx.FlagDownstreamReset, GRPCStatus: -1}
	case <-t.C:
		return &httpx.LocalReply{Status: http.StatusInternalServerError, Flag: httpx.FlagLocalReset, GRPCStatus: -1, Details: "wasm filter did not resume"}
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.local != nil {
		return localReply(ss.local)
	}
	if ss.closed {
		return &httpx.LocalReply{Status: http.StatusForbidden, Flag: httpx.FlagLocalReset, GRPCStatus: -1}
	}
	return nil
}

func localReply(l *host.LocalResponse) *httpx.LocalReply {
	h := http.Header{}
	for _, p := range l.Headers {
		h.Add(p.Key, p.Value)
	}
	return &httpx.LocalReply{Status: l.Status, Body: string(l.Body), Header: h, GRPCStatus: int(l.GRPCStatus),
		Details: l.Details}
}

func requestPairs(r *http.Request) []abi.Pair {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	// One allocation, with room for the headers a guest typically adds.
	out := make([]abi.Pair, 0, 4+len(r.Header)+2)
	out = append(out, abi.Pair{Key: ":method", Value: r.Method}, abi.Pair{Key: ":path", Value: r.URL.RequestURI()},
		abi.Pair{Key: ":authority", Value: r.Host}, abi.Pair{Key: ":scheme", Value: scheme})
	return appendPairs(out, r.Header)
}

// responsePairs is the response's header list for the guest, :status first.
func responsePairs(status int, h http.Header) []abi.Pair {
	out := make([]abi.Pair, 0, 1+len(h)+2)
	return appendPairs(append(out, abi.Pair{Key: ":status", Value: statusString(status)}), h)
}

// snapshot is the header list as handed to the guest. The host never
// writes over a pair it was given (host.Headers: changes copy or append),
// so the slice itself, capped at its length, is the snapshot.
func snapshot(h []abi.Pair) []abi.Pair { return h[:len(h):len(h)] }

// appended reports whether the guest only appended regular headers to sent
// (what adding or replacing a header it lacked does), and which: the
// common edit, applied without rebuilding the header map.
func appended(sent, now []abi.Pair) ([]abi.Pair, bool) {
	if len(now) < len(sent) || !slices.Equal(sent, now[:len(sent)]) {
		return nil, false
	}
	added := now[len(sent):]
	for _, p := range added {
		if strings.HasPrefix(p.Key, ":") {
			return nil, false
		}
	}
	return added, true
}

// applyRequest writes the guest's view of the headers back into the request.
func applyRequest(r *http.Request, hs []abi.Pair) {
	h := http.Header{}
	for _, p := range hs {
		switch p.Key {
		case ":method":
			r.Method = p.Value
		case ":authority":
			r.Host = p.Value
		case ":path":
			if p.Value != r.URL.RequestURI() {
				path, query, _ := strings.Cut(p.Value, "?")
				r.URL.Path, r.URL.RawPath, r.URL.RawQuery = path, "", query
			}
		case ":scheme":
		default:
			h.Add(p.Key, p.Value)
		}
	}
	r.Header = h
}

// statusStrings are the status codes as text, made once.
var statusStrings = func() (t [600]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

func statusString(n int) string {
	if n >= 0 && n < len(statusStrings) {
		return statusStrings[n]
	}
	return strconv.Itoa(n)
}
