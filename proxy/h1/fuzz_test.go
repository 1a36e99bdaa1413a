package h1

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// FuzzServeConn feeds untrusted bytes to a whole connection (heads, bodies,
// chunked framing, trailers, pipelining) that ends after them: the server
// must neither panic nor hang, and must answer only with HTTP/1.1 responses.
func FuzzServeConn(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\nGET / HTTP/1.0\r\n\r\n",
		"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nab",
		"HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
	} {
		f.Add(s)
	}
	s := &Server{Handler: echo, ErrorLog: log.New(io.Discard, "", 0)}
	f.Fuzz(func(t *testing.T, in string) {
		c := &scriptConn{r: strings.NewReader(in)}
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.ServeConn(context.Background(), c)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("ServeConn did not return for %q", in)
		}
		if got := c.written(); got != "" && !strings.HasPrefix(got, "HTTP/1.1 ") {
			t.Fatalf("answer %q to %q", got, in)
		}
	})
}

// scriptConn is a connection whose client sends a fixed input and then
// closes its side.
type scriptConn struct {
	mu sync.Mutex
	r  *strings.Reader
	w  bytes.Buffer
}

func (c *scriptConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.r.Read(p)
}

func (c *scriptConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.Write(p)
}

func (c *scriptConn) written() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.String()
}

func (c *scriptConn) Close() error                     { return nil }
func (c *scriptConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *scriptConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *scriptConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { return nil }
