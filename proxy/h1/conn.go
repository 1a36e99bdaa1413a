package h1

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// connection states, for Shutdown
const (
	stateNew int32 = iota // no request yet
	stateActive
	stateIdle
	stateClosed
)

const bufSize = 4 << 10

// keptHeadBytes is the largest head buffer a connection keeps between requests.
const keptHeadBytes = 16 << 10

var (
	readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, bufSize) }}
	writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 2*bufSize) }}
	holds   = sync.Pool{New: func() any { b := make([]byte, 0, bufSize); return &b }}
)

// rstAvoidanceDelay is how long a connection closed with an unread request
// body waits after its FIN, so the client reads the response before a RST.
const rstAvoidanceDelay = 500 * time.Millisecond

var aLongTimeAgo = time.Unix(1, 0)

// conn is one downstream connection.
type conn struct {
	srv      *Server
	rwc      net.Conn
	ctx      context.Context
	remote   string
	tlsState *tls.ConnectionState
	created  time.Time
	cr       connReader
	br       *bufio.Reader
	bw       *bufio.Writer
	head     []byte
	p        parser
	w        response
	state    atomic.Int32
	hijacked bool
	dirtyRD  bool // a read deadline may be set

	wmu     sync.Mutex  // orders a 100 Continue with the response head
	started atomic.Bool // the response head was written

	watcher // client-close detection (watch.go)
}

func newConn(s *Server, ctx context.Context, rwc net.Conn) *conn {
	c := &conn{srv: s, rwc: rwc, ctx: ctx, created: time.Now()}
	if a := rwc.RemoteAddr(); a != nil {
		c.remote = a.String()
	}
	if tc, ok := rwc.(*tls.Conn); ok {
		st := tc.ConnectionState()
		c.tlsState = &st
	}
	c.cr.c = c
	c.br = readers.Get().(*bufio.Reader)
	c.br.Reset(&c.cr)
	c.bw = writers.Get().(*bufio.Writer)
	c.bw.Reset(rwc)
	c.w.c = c
	return c
}

// connReader is what the bufio.Reader reads: first a byte the client-close
// watcher may have read, then the connection.
type connReader struct {
	c *conn
}

func (r *connReader) Read(p []byte) (int, error) {
	c := r.c
	if c.pending && len(p) > 0 {
		c.pending = false
		p[0] = c.one[0]
		return 1, nil
	}
	return c.rwc.Read(p)
}

func (c *conn) serve() {
	handedOff := false
	defer func() {
		c.stopTimer()
		if c.hijacked || handedOff {
			return
		}
		_ = c.rwc.Close()
		c.br.Reset(nil)
		readers.Put(c.br)
		c.bw.Reset(nil)
		writers.Put(c.bw)
	}()
	for first := true; ; first = false {
		if !c.waitRequest() {
			return
		}
		if first && c.srv.HTTP2 != nil && c.sniffPreface() {
			handedOff = true
			c.handOff()
			return
		}
		if !c.serveRequest() {
			return
		}
		if !c.state.CompareAndSwap(stateActive, stateIdle) || c.srv.shuttingDown() {
			return
		}
	}
}

// waitRequest waits for the first byte of the next request under the idle
// timeout, then arms the header timeout unless the head is already here.
func (c *conn) waitRequest() bool {
	if c.br.Buffered() == 0 {
		if d := c.srv.IdleTimeout; d > 0 && c.state.Load() != stateNew {
			c.setReadDeadline(time.Now().Add(d))
		} else if d := c.srv.ReadHeaderTimeout; d > 0 {
			c.setReadDeadline(time.Now().Add(d))
		} else if c.dirtyRD {
			c.setReadDeadline(time.Time{})
			c.dirtyRD = false
		}
		if _, err := c.br.Peek(1); err != nil {
			return false
		}
	}
	st := c.state.Load()
	if st == stateClosed || !c.state.CompareAndSwap(st, stateActive) {
		return false
	}
	if d := c.srv.ReadHeaderTimeout; d > 0 {
		b, _ := c.br.Peek(c.br.Buffered())
		if !bytes.Contains(b, []byte("\r\n\r\n")) && !bytes.Contains(b, []byte("\n\n")) {
			c.setReadDeadline(time.Now().Add(d))
		}
	}
	return true
}

func (c *conn) setReadDeadline(t time.Time) {
	_ = c.rwc.SetReadDeadline(t)
	c.dirtyRD = true
}

// closeIfIdle closes the connection if it waits for a request (Shutdown).
func (c *conn) closeIfIdle() {
	st := c.state.Load()
	if st == stateIdle || (st == stateNew && time.Since(c.created) > newConnGrace) {
		if c.state.CompareAndSwap(st, stateClosed) {
			_ = c.rwc.Close()
		}
	}
}

const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// sniffPreface reports whether the connection opens with the HTTP/2
// client preface, reading only as much as needed to tell.
func (c *conn) sniffPreface() bool {
	for {
		b, _ := c.br.Peek(c.br.Buffered())
		n := min(len(b), len(preface))
		if string(b[:n]) != preface[:n] {
			return false
		}
		if n == len(preface) {
			return true
		}
		if _, err := c.br.Peek(len(b) + 1); err != nil {
			return false
		}
	}
}

func (c *conn) handOff() {
	c.srv.untrack(c)
	b, _ := c.br.Peek(c.br.Buffered())
	read := bytes.Clone(b)
	_ = c.rwc.SetReadDeadline(time.Time{})
	c.br.Reset(nil)
	readers.Put(c.br)
	c.bw.Reset(nil)
	writers.Put(c.bw)
	c.srv.HTTP2(c.ctx, c.rwc, read)
}

// serveRequest reads, serves and finishes one request and reports whether
// the connection may serve another.
func (c *conn) serveRequest() bool {
	max := c.srv.MaxHeaderBytes
	if max <= 0 {
		max = DefaultMaxHeaderBytes
	}
	var err error
	c.head, err = readHead(c.br, c.head, max)
	if err != nil {
		c.refuse(err)
		return false
	}
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	r, fr, err := c.p.parse(c.head, ctx)
	if cap(c.head) > keptHeadBytes {
		c.head = nil // the request holds its own copy; do not keep a large buffer
	}
	if err != nil {
		c.refuse(err)
		return false
	}
	r.RemoteAddr = c.remote
	r.TLS = c.tlsState
	var b *body
	if fr.chunked || fr.length > 0 {
		b = newBody(c, r, fr)
		r.Body = b
		if c.dirtyRD { // bodies are read without a deadline, as net/http does
			c.setReadDeadline(time.Time{})
			c.dirtyRD = false
		}
	} else {
		r.Body = http.NoBody
	}
	c.startWatch(cancel, b == nil && c.br.Buffered() == 0)
	c.w.reset(r, b)
	ok := c.runHandler(r)
	c.stopWatch()
	if c.hijacked || !ok {
		if b != nil {
			_ = b.Close() // a reader elsewhere must not touch the buffers again
		}
		c.w.release()
		return false
	}
	keep := c.w.finish()
	bodyOK := b == nil || b.finish()
	c.w.release()
	if !bodyOK {
		c.closeWriteAndWait()
		return false
	}
	return keep && !r.Close
}

// runHandler calls the handler; a panic ends the connection (logged unless
// it is http.ErrAbortHandler).
func (c *conn) runHandler(r *http.Request) (ok bool) {
	defer func() {
		if err := recover(); err != nil {
			if err != http.ErrAbortHandler {
				buf := make([]byte, 64<<10)
				buf = buf[:runtime.Stack(buf, false)]
				c.srv.logf("http: panic serving %v: %v\n%s", c.remote, err, buf)
			}
			ok = false
		}
	}()
	c.srv.Handler.ServeHTTP(&c.w, r)
	return true
}

// refuse answers a request that could not be read, when it deserves an answer.
func (c *conn) refuse(err error) {
	var re *requestError
	if !errors.As(err, &re) {
		return
	}
	text := strconv.Itoa(re.code) + " " + http.StatusText(re.code)
	_, _ = c.bw.WriteString("HTTP/1.1 " + text + "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n" + text)
	_ = c.bw.Flush()
}

// sendContinue answers Expect: 100-continue unless the response started.
func (c *conn) sendContinue() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.started.Load() {
		return
	}
	_, _ = c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
	_ = c.bw.Flush()
}

// closeWriteAndWait half-closes the connection and gives the client time to
// read the response before the close, with an unread body, becomes a RST.
func (c *conn) closeWriteAndWait() {
	_ = c.bw.Flush()
	if cw, ok := c.rwc.(interface{ CloseWrite() error }); ok {
		if cw.CloseWrite() == nil {
			_ = c.rwc.SetReadDeadline(time.Now().Add(rstAvoidanceDelay))
			_, _ = io.Copy(io.Discard, c.rwc)
		}
	}
}
