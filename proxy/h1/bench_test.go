package h1

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
)

// BenchmarkKeepAlive compares one GET answered with a 1 KiB body on a
// kept-alive loopback connection, served by this package and by net/http.
func BenchmarkKeepAlive(b *testing.B) {
	body := make([]byte, 1024)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Request-Id", r.Header.Get("X-Request-Id"))
		_, _ = w.Write(body)
	})
	b.Run("h1", func(b *testing.B) {
		s := &Server{Handler: h}
		benchKeepAlive(b, func(c net.Conn) { s.ServeConn(context.Background(), c) })
	})
	b.Run("net-http", func(b *testing.B) {
		s := &http.Server{Handler: h}
		ln := &oneConn{ch: make(chan net.Conn, 1), done: make(chan struct{})}
		go func() { _ = s.Serve(ln) }()
		defer s.Close()
		benchKeepAlive(b, func(c net.Conn) { ln.ch <- c })
	})
}

func benchKeepAlive(b *testing.B, serve func(net.Conn)) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			serve(c)
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	req := []byte("GET /bench?x=1 HTTP/1.1\r\nHost: bench.test\r\nUser-Agent: wrk\r\nAccept: */*\r\nX-Request-Id: 0123456789abcdef\r\n\r\n")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
	}
}

// oneConn is a net.Listener of the connections sent on ch.
type oneConn struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func (l *oneConn) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *oneConn) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *oneConn) Addr() net.Addr { return &net.TCPAddr{} }
