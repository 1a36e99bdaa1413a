package wasmfilter

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/wasmesh/wasmesh/proxy/httpx"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// bufferLimit bounds the body a stream buffers while a guest pauses it
// (StopIterationAndBuffer), like Envoy's per-stream buffer limit: a request
// over it gets 413; a response over it is reset (its headers are already sent).
const bufferLimit = 1 << 20

// chunkSize is the most a body read asks for; minRead the least.
const (
	chunkSize = 32 << 10
	minRead   = 512
)

// errBodyRejected resets a response whose body the guest refused after the
// headers were already sent downstream.
var errBodyRejected = errors.New("wasmfilter: response body rejected by the filter")

// errBodyTooLong stops a body that runs past its Content-Length.
var errBodyTooLong = errors.New("wasmfilter: body longer than its Content-Length")

// requestBody drives proxy_on_request_body over the downstream body before
// the request is routed. While the guest pauses, chunks accumulate in one
// buffer (bounded by bufferLimit) that the guest sees and may replace; once it
// continues, the buffer goes upstream first and the rest of the body streams
// through the guest chunk by chunk. Trailers reach proxy_on_request_trailers.
func (f *Filter) requestBody(s *httpx.Stream, st *host.HTTPStream, ss *streamSync) *httpx.LocalReply {
	r := s.Req
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
		// A gRPC stream may send no message before it hears from the
		// server: never wait for its body before routing. The guest sees
		// it as it flows; a local reply then resets the upstream stream.
		r.Body = io.NopCloser(&streamBody{src: r.Body, left: -1, call: st.OnRequestBody, onEOF: f.trailersOnEOF(s, st, ss)})
		return nil
	}
	var buf []byte
	chunk := make([]byte, chunkSize)
	for {
		n, err := r.Body.Read(chunk)
		buf = append(buf, chunk[:n]...)
		eos := err == io.EOF
		if err != nil && !eos {
			return &httpx.LocalReply{Status: http.StatusBadRequest, Flag: httpx.FlagDownstreamReset, GRPCStatus: -1,
				Details: "downstream body read failed"}
		}
		if len(buf) > bufferLimit {
			return &httpx.LocalReply{Status: http.StatusRequestEntityTooLarge, Body: "Payload Too Large", GRPCStatus: -1,
				Details: "request_payload_too_large"}
		}
		if n == 0 && !eos {
			continue
		}
		res := st.OnRequestBody(&buf, eos)
		if res.Local != nil || (res.Action == abi.ActionPause && eos) {
			if lr := f.wait(s, ss, res); lr != nil {
				return lr
			}
		} else if res.Action == abi.ActionPause {
			continue // StopIterationAndBuffer: keep buffering
		}
		if eos {
			if lr := f.requestTrailers(s, st, ss); lr != nil {
				return lr
			}
			setRequestBody(r, bytes.NewReader(buf), int64(len(buf)))
			return nil
		}
		rest := &streamBody{src: r.Body, left: -1, call: st.OnRequestBody, onEOF: f.trailersOnEOF(s, st, ss)}
		setRequestBody(r, io.MultiReader(bytes.NewReader(buf), rest), -1)
		return nil
	}
}

func (f *Filter) trailersOnEOF(s *httpx.Stream, st *host.HTTPStream, ss *streamSync) func() error {
	return func() error {
		if lr := f.requestTrailers(s, st, ss); lr != nil {
			return errBodyRejected
		}
		return nil
	}
}

func (f *Filter) requestTrailers(s *httpx.Stream, st *host.HTTPStream, ss *streamSync) *httpx.LocalReply {
	if len(s.Req.Trailer) == 0 {
		return nil
	}
	t := pairs(s.Req.Trailer)
	if lr := f.wait(s, ss, st.OnRequestTrailers(&t)); lr != nil {
		return lr
	}
	replaceHeader(s.Req.Trailer, t)
	return nil
}

// setRequestBody replaces the request body; n < 0 means unknown (chunked).
func setRequestBody(r *http.Request, body io.Reader, n int64) {
	r.Body = io.NopCloser(body)
	r.ContentLength = n
	if n >= 0 {
		r.Header.Set("Content-Length", strconv.FormatInt(n, 10))
	} else {
		r.Header.Del("Content-Length")
	}
}

// responseBody wraps the upstream response body for proxy_on_response_body
// and proxy_on_response_trailers.
func responseBody(st *host.HTTPStream) func(io.Reader, *http.Response) io.Reader {
	return func(body io.Reader, resp *http.Response) io.Reader {
		method := http.MethodGet
		if resp.Request != nil {
			method = resp.Request.Method
		}
		if !hasBody(method, resp.StatusCode, resp.Header.Get("Content-Length")) {
			return body // headers only: no body callback, as in Envoy
		}
		onEOF := func() error {
			if len(resp.Trailer) == 0 {
				return nil
			}
			t := pairs(resp.Trailer)
			if res := st.OnResponseTrailers(&t); res.Local != nil {
				return errBodyRejected
			}
			replaceHeader(resp.Trailer, t)
			return nil
		}
		if !st.Calls(abi.OnResponseBody) {
			return &trailerHook{src: body, onEOF: onEOF} // the body streams as it is
		}
		return &streamBody{src: body, left: resp.ContentLength, call: st.OnResponseBody, onEOF: onEOF}
	}
}

// trailerHook passes a body through and runs onEOF at its end, for a guest
// that reads the trailers but not the body.
type trailerHook struct {
	src   io.Reader
	onEOF func() error
	done  bool
}

func (t *trailerHook) Read(p []byte) (int, error) {
	n, err := t.src.Read(p)
	if err == io.EOF && !t.done {
		t.done = true
		if herr := t.onEOF(); herr != nil {
			return n, herr
		}
	}
	return n, err
}

// hasBody reports whether a response may carry a body.
func hasBody(method string, status int, contentLength string) bool {
	return method != http.MethodHead && status != http.StatusNoContent && status != http.StatusNotModified &&
		status >= 200 && contentLength != "0"
}

// streamBody passes a body through a guest's body callback chunk by chunk. A
// PAUSE keeps the data until the guest continues (or the
// stream ends), bounded by bufferLimit.
type streamBody struct {
	src io.Reader
	// left is what remains of a body of known length (Content-Length), so
	// that its last chunk reaches the guest with end_of_stream set (one
	// callback, not a second empty one); -1 when unknown.
	left  int64
	call  func(*[]byte, bool) host.Result
	onEOF func() error
	buf   []byte // held for the guest
	out   []byte // released, not yet read
	err   error
}

func (b *streamBody) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		b.fill()
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

func (b *streamBody) fill() {
	n, err := b.read()
	eos := err == io.EOF
	if err != nil && !eos {
		b.err = err
		return
	}
	if len(b.buf) > bufferLimit {
		b.err = errors.New("wasmfilter: body over the buffer limit")
		return
	}
	if n == 0 && !eos {
		return
	}
	res := b.call(&b.buf, eos)
	switch {
	case res.Local != nil:
		b.err = errBodyRejected
		return
	case res.Action == abi.ActionPause && !eos:
		return
	}
	b.out, b.buf = b.buf, nil
	if eos {
		b.err = io.EOF
		if b.onEOF != nil {
			if err := b.onEOF(); err != nil {
				b.err = err
			}
		}
	}
}

// read appends what the source has to b.buf, in a buffer sized for the
// body when its length is known. At the declared length it reads once more
// for the source's end (so an upstream connection is released) and reports
// io.EOF with the last data.
func (b *streamBody) read() (int, error) {
	if cap(b.buf)-len(b.buf) < minRead {
		size := int64(chunkSize)
		if b.left >= 0 {
			size = min(size, max(b.left, minRead))
		}
		nb := make([]byte, len(b.buf), len(b.buf)+int(size))
		copy(nb, b.buf)
		b.buf = nb
	}
	n, err := b.src.Read(b.buf[len(b.buf):cap(b.buf)])
	b.buf = b.buf[:len(b.buf)+n]
	if b.left < 0 || err != nil {
		return n, err
	}
	if b.left -= int64(n); b.left > 0 {
		return n, nil
	}
	var one [1]byte
	extra, err := b.src.Read(one[:])
	switch {
	case extra > 0 || b.left < 0:
		return n, errBodyTooLong
	case err == nil:
		return n, nil // the source has not said so yet: a later read will
	}
	return n, err
}

func replaceHeader(h http.Header, ps []abi.Pair) {
	for k := range h {
		delete(h, k)
	}
	for _, p := range ps {
		h.Add(p.Key, p.Value)
	}
}
