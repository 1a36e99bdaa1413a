package h1

import (
	"context"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves HTTP/1.x connections handed to ServeConn with Handler.
// Set the fields before the first ServeConn; they are not changed after.
type Server struct {
	Handler           http.Handler
	IdleTimeout       time.Duration // between requests on a kept-alive connection; 0: none
	ReadHeaderTimeout time.Duration // from the first byte of a request to the end of its head; 0: none
	MaxHeaderBytes    int           // request head limit (answered 431); 0: DefaultMaxHeaderBytes
	ErrorLog          *log.Logger   // handler panics; nil: the log package's default logger

	// HTTP2, when set, receives connections that open with the HTTP/2
	// client preface (h2c with prior knowledge) together with the bytes
	// already read from them; the server no longer owns such a connection.
	// ctx is the one given to ServeConn.
	HTTP2 func(ctx context.Context, c net.Conn, read []byte)

	mu         sync.Mutex
	conns      map[*conn]struct{}
	inShutdown atomic.Bool
	dates      dateCache
}

// DefaultMaxHeaderBytes is Envoy's default max_request_headers_kb (60 KiB).
const DefaultMaxHeaderBytes = 60 << 10

// newConnGrace is how long Shutdown leaves a connection that has not sent
// its first request yet, as net/http does: its request may be in flight.
const newConnGrace = 5 * time.Second

// ServeConn serves c until the client or the server ends it, in the
// calling goroutine. ctx is the parent of every request's context (it
// carries the connection's facts). ServeConn closes c unless it was
// hijacked or handed to HTTP2.
func (s *Server) ServeConn(ctx context.Context, c net.Conn) {
	cc := newConn(s, ctx, c)
	if !s.track(cc) {
		_ = c.Close()
		return
	}
	defer s.untrack(cc)
	cc.serve()
}

func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inShutdown.Load() {
		return false
	}
	if s.conns == nil {
		s.conns = map[*conn]struct{}{}
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Shutdown stops accepting connections, closes idle ones, lets requests in
// flight finish (their connections close after the response) and returns
// when none is left, or with ctx's error when ctx ends first.
func (s *Server) Shutdown(ctx context.Context) error {
	s.inShutdown.Store(true)
	wait := time.Millisecond
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		if s.closeIdle() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			wait = min(2*wait, 100*time.Millisecond)
			t.Reset(wait)
		}
	}
}

// closeIdle closes the idle connections and reports whether none is left.
func (s *Server) closeIdle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.closeIfIdle()
	}
	return len(s.conns) == 0
}

// Close closes every connection at once and refuses new ones.
func (s *Server) Close() error {
	s.inShutdown.Store(true)
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.rwc.Close()
	}
	return nil
}

func (s *Server) shuttingDown() bool { return s.inShutdown.Load() }

func (s *Server) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
	} else {
		log.Printf(format, args...)
	}
}

// dateCache formats the Date header once a second.
type dateCache struct {
	v atomic.Pointer[dateValue]
}

type dateValue struct {
	sec int64
	b   []byte // "Date: ...\r\n"
}

func (d *dateCache) get() []byte {
	now := time.Now()
	if v := d.v.Load(); v != nil && v.sec == now.Unix() {
		return v.b
	}
	b := append([]byte("Date: "), now.UTC().Format(http.TimeFormat)...)
	b = append(b, "\r\n"...)
	d.v.Store(&dateValue{sec: now.Unix(), b: b})
	return b
}
