package h1

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wasmesh/wasmesh/proxy/internal/h1wire"
)

// response is the http.ResponseWriter of one request. The connection reuses
// it (and its header map) for the next request.
type response struct {
	c         *conn
	req       *http.Request
	body      *body // nil when the request has none
	hdr       http.Header
	status    int
	wrote     bool // status chosen
	committed bool // head written
	head      bool // HEAD request: body writes are counted, not sent
	noBody    bool // the status forbids a body
	chunked   bool
	closeConn bool
	cl        int64 // Content-Length: declared, computed, or -1
	written   int64
	hold      *[]byte // small body held back to frame it with Content-Length
	trailers  []string
	err       error
	hijacked  bool
}

var (
	_ http.ResponseWriter = (*response)(nil)
	_ http.Flusher        = (*response)(nil)
	_ http.Hijacker       = (*response)(nil)
)

func (w *response) reset(r *http.Request, b *body) {
	hdr := w.hdr
	if hdr == nil {
		hdr = make(http.Header, 8)
	}
	*w = response{c: w.c, req: r, body: b, hdr: hdr, cl: -1, head: r.Method == http.MethodHead, trailers: w.trailers[:0]}
	w.c.started.Store(false)
}

// release forgets the request and returns the held buffer to its pool.
func (w *response) release() {
	clear(w.hdr)
	if w.hold != nil {
		*w.hold = (*w.hold)[:0]
		holds.Put(w.hold)
		w.hold = nil
	}
	w.req, w.body = nil, nil
}

func (w *response) Header() http.Header { return w.hdr }

func (w *response) WriteHeader(code int) {
	if w.wrote || w.hijacked {
		return
	}
	if code < 100 || code > 999 {
		code = http.StatusInternalServerError
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		w.writeInformational(code)
		return
	}
	w.wrote, w.status = true, code
	w.noBody = code == http.StatusNoContent || code == http.StatusNotModified || code < 200
	if v := w.hdr["Content-Length"]; len(v) > 0 {
		if n, ok := h1wire.ParseContentLength(strings.TrimSpace(v[0])); ok {
			w.cl = n
		} else {
			delete(w.hdr, "Content-Length")
		}
	}
}

func (w *response) writeInformational(code int) {
	c := w.c
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := appendStatus(c.bw.AvailableBuffer(), code)
	b = appendFields(b, w.hdr, nil)
	b = append(b, "\r\n"...)
	if _, err := c.bw.Write(b); err == nil {
		_ = c.bw.Flush()
	}
}

func (w *response) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if w.noBody {
		return 0, http.ErrBodyNotAllowed
	}
	if w.cl >= 0 && w.written+int64(len(p)) > w.cl {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	if w.head {
		return len(p), nil
	}
	if !w.committed {
		if w.cl < 0 {
			if w.hold == nil {
				w.hold = holds.Get().(*[]byte)
			}
			if h := *w.hold; len(h)+len(p) <= cap(h) {
				*w.hold = append(h, p...)
				return len(p), nil
			}
		}
		if err := w.commit(false); err != nil {
			return 0, err
		}
	}
	if err := w.writeBody(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush sends the head and what was written so far.
func (w *response) Flush() { _ = w.FlushError() }

// FlushError is Flush reporting the write error (http.ResponseController).
func (w *response) FlushError() error {
	if w.hijacked {
		return http.ErrHijacked
	}
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		if err := w.commit(false); err != nil {
			return err
		}
	}
	if err := w.c.bw.Flush(); err != nil {
		w.err = err
		return err
	}
	return nil
}

// Hijack hands the connection to the handler (WebSocket upgrades).
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	c := w.c
	c.stopWatch()
	if w.committed {
		if err := c.bw.Flush(); err != nil {
			return nil, nil, err
		}
	}
	w.hijacked, c.hijacked = true, true
	c.srv.untrack(c)
	_ = c.rwc.SetDeadline(time.Time{})
	return c.rwc, bufio.NewReadWriter(c.br, c.bw), nil
}

// finish completes the response after the handler returned and reports
// whether the connection may serve another request.
func (w *response) finish() bool {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		if err := w.commit(true); err != nil {
			return false
		}
	}
	if w.chunked {
		b := append(w.c.bw.AvailableBuffer(), "0\r\n"...)
		b = w.appendTrailers(b)
		b = append(b, "\r\n"...)
		if _, err := w.c.bw.Write(b); err != nil {
			w.err = err
		}
	}
	if w.cl >= 0 && w.written < w.cl && !w.head && !w.noBody {
		w.closeConn = true // the client waits for bytes that will never come
	}
	if err := w.c.bw.Flush(); err != nil {
		w.err = err
	}
	return w.err == nil && !w.closeConn
}

// commit chooses the framing and writes the head, then the held body.
// final says the handler has returned (a held body's length is known).
func (w *response) commit(final bool) error {
	c, hdr, r := w.c, w.hdr, w.req
	w.committed = true
	var held []byte
	if w.hold != nil {
		held = *w.hold
	}
	if tv, ok := hdr["Trailer"]; ok && r.ProtoMinor == 1 && !w.noBody && !w.head {
		for _, v := range tv {
			for _, k := range strings.Split(v, ",") {
				if k = strings.TrimSpace(k); k != "" {
					w.trailers = append(w.trailers, http.CanonicalHeaderKey(k))
				}
			}
		}
	}
	teChunked := false
	if te, ok := hdr["Transfer-Encoding"]; ok {
		teChunked = len(te) == 1 && strings.EqualFold(te[0], "chunked")
		delete(hdr, "Transfer-Encoding")
	}
	setCL := false
	switch {
	case w.noBody:
		if w.status == http.StatusNoContent || w.status < 200 {
			delete(hdr, "Content-Length")
		}
		w.cl = -1
	case w.head:
		if w.cl < 0 && final && w.written > 0 {
			w.cl, setCL = w.written, true
		}
	case len(w.trailers) > 0 || teChunked:
		w.cl = -1
		delete(hdr, "Content-Length")
		w.chunked = r.ProtoMinor == 1
	case w.cl < 0 && final:
		w.cl, setCL = int64(len(held)), true
	case w.cl < 0:
		w.chunked = r.ProtoMinor == 1
	}
	if w.cl < 0 && !w.chunked && !w.noBody && !w.head {
		w.closeConn = true // HTTP/1.0 without a length: the close ends the body
	}
	connHdr := hdr["Connection"]
	hasClose := h1wire.HasToken(connHdr, "close")
	w.closeConn = w.closeConn || hasClose || r.Close || c.srv.shuttingDown() || (w.body != nil && w.body.willClose())

	c.wmu.Lock()
	c.started.Store(true)
	b := appendStatus(c.bw.AvailableBuffer(), w.status)
	b = appendFields(b, hdr, w.trailers)
	if setCL {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, w.cl, 10)
		b = append(b, "\r\n"...)
	}
	if w.chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	if w.closeConn && !hasClose {
		b = append(b, "Connection: close\r\n"...)
	} else if !w.closeConn && r.ProtoMinor == 0 && !h1wire.HasToken(connHdr, "keep-alive") {
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	if _, ok := hdr["Date"]; !ok {
		b = append(b, c.srv.dates.get()...)
	}
	if _, ok := hdr["Content-Type"]; !ok && !teChunked && !w.noBody && len(held) > 0 {
		b = append(b, "Content-Type: "...)
		b = append(b, http.DetectContentType(held)...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	_, err := c.bw.Write(b)
	c.wmu.Unlock()
	if err == nil && len(held) > 0 {
		err = w.writeBody(held)
		*w.hold = held[:0]
	}
	if err != nil {
		w.err = err
	}
	return err
}

func (w *response) writeBody(p []byte) error {
	bw := w.c.bw
	var err error
	if w.chunked {
		b := strconv.AppendInt(bw.AvailableBuffer(), int64(len(p)), 16)
		b = append(b, "\r\n"...)
		if _, err = bw.Write(b); err == nil {
			if _, err = bw.Write(p); err == nil {
				_, err = bw.WriteString("\r\n")
			}
		}
	} else {
		_, err = bw.Write(p)
	}
	if err != nil {
		w.err = err
	}
	return err
}

// appendTrailers appends the declared trailers and those set with
// http.TrailerPrefix.
func (w *response) appendTrailers(b []byte) []byte {
	for _, k := range w.trailers {
		if !validName(k) {
			continue
		}
		for _, v := range w.hdr[k] {
			b = appendField(b, k, v)
		}
	}
	for k, vv := range w.hdr {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok && validName(name) {
			for _, v := range vv {
				b = appendField(b, name, v)
			}
		}
	}
	return b
}

// appendFields appends the header fields, skipping the declared trailers,
// names that are not tokens (including http.TrailerPrefix keys) and
// the framing fields the server writes itself.
func appendFields(b []byte, hdr http.Header, skip []string) []byte {
next:
	for k, vv := range hdr {
		if !validName(k) {
			continue
		}
		for _, s := range skip {
			if s == k {
				continue next
			}
		}
		for _, v := range vv {
			b = appendField(b, k, v)
		}
	}
	return b
}

// appendField appends "k: v\r\n", turning CR and LF in v into spaces so a
// value can never split the response.
func appendField(b []byte, k, v string) []byte {
	b = append(b, k...)
	b = append(b, ": "...)
	v = strings.TrimSpace(v)
	start := len(b)
	b = append(b, v...)
	for i := start; i < len(b); i++ {
		if b[i] == '\r' || b[i] == '\n' {
			b[i] = ' '
		}
	}
	return append(b, "\r\n"...)
}

func validName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !h1wire.IsToken(k[i]) {
			return false
		}
	}
	return true
}

// statusLines holds "HTTP/1.1 <code> <reason>\r\n" for the codes net/http knows.
var statusLines = func() (t [600]string) {
	for code := 100; code < len(t); code++ {
		if text := http.StatusText(code); text != "" {
			t[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + text + "\r\n"
		}
	}
	return t
}()

func appendStatus(b []byte, code int) []byte {
	if code < len(statusLines) && statusLines[code] != "" {
		return append(b, statusLines[code]...)
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, " status code "...)
	b = strconv.AppendInt(b, int64(code), 10)
	return append(b, "\r\n"...)
}
