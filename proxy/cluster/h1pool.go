package cluster

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// h1Pool is a synchronous HTTP/1.1 client for plaintext upstreams: a request
// borrows an idle connection (or dials one), writes, reads the response on
// the calling goroutine, and returns the connection when the body has been
// read to the end. Unlike http.Transport it runs no goroutines per
// connection and hands nothing across channels.
type h1Pool struct {
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	idle time.Duration
	max  int // idle connections kept per address

	mu    sync.Mutex
	conns map[string][]*h1Conn
}

type h1Conn struct {
	net.Conn
	br       *bufio.Reader
	bw       *bufio.Writer
	addr     string
	lastUsed time.Time
}

var _ http.RoundTripper = (*h1Pool)(nil)

var errStale = errors.New("cluster: reused connection failed before a response")

// aLongTimeAgo is a deadline that makes pending I/O fail at once.
var aLongTimeAgo = time.Unix(1, 0)

func (p *h1Pool) get(ctx context.Context, addr string) (*h1Conn, bool, error) {
	now := time.Now()
	p.mu.Lock()
	for {
		list := p.conns[addr]
		if len(list) == 0 {
			break
		}
		c := list[len(list)-1]
		p.conns[addr] = list[:len(list)-1]
		if now.Sub(c.lastUsed) > p.idle {
			p.mu.Unlock()
			c.Close()
			p.mu.Lock()
			continue
		}
		p.mu.Unlock()
		return c, true, nil
	}
	p.mu.Unlock()
	nc, err := p.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, false, err
	}
	return &h1Conn{Conn: nc, br: bufio.NewReaderSize(nc, 16<<10), bw: bufio.NewWriterSize(nc, 8<<10), addr: addr}, false, nil
}

func (p *h1Pool) put(c *h1Conn) {
	c.lastUsed = time.Now()
	p.mu.Lock()
	if len(p.conns[c.addr]) < p.max {
		p.conns[c.addr] = append(p.conns[c.addr], c)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	c.Close()
}

// CloseIdleConnections closes every pooled connection.
func (p *h1Pool) CloseIdleConnections() {
	p.mu.Lock()
	all := p.conns
	p.conns = map[string][]*h1Conn{}
	p.mu.Unlock()
	for _, list := range all {
		for _, c := range list {
			c.Close()
		}
	}
}

// RoundTrip implements http.RoundTripper. A request that fails on a reused
// (possibly stale) connection before any response byte is retried once on a
// new connection when its body can be replayed.
func (p *h1Pool) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		c, reused, err := p.get(req.Context(), req.URL.Host)
		if err != nil {
			return nil, err
		}
		resp, err := p.do(c, req)
		if err == nil {
			return resp, nil
		}
		c.Close()
		if !reused || attempt > 0 || !errors.Is(err, errStale) || req.Context().Err() != nil {
			return nil, err
		}
		if req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return nil, err
			}
			b, gerr := req.GetBody()
			if gerr != nil {
				return nil, err
			}
			r2 := *req
			r2.Body = b
			req = &r2
		}
	}
}

func (p *h1Pool) do(c *h1Conn, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(aLongTimeAgo) })
	if d, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(d)
	} else {
		_ = c.SetDeadline(time.Time{})
	}
	fail := func(err error, stale bool) (*http.Response, error) {
		stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, context.DeadlineExceeded // the deadline came from ctx
		}
		if stale {
			return nil, errors.Join(errStale, err)
		}
		return nil, err
	}
	if err := req.Write(c.bw); err != nil {
		return fail(err, true)
	}
	if err := c.bw.Flush(); err != nil {
		return fail(err, true)
	}
	var resp *http.Response
	for {
		var err error
		resp, err = http.ReadResponse(c.br, req)
		if err != nil {
			// Nothing read yet on a kept-alive connection: the server closed it.
			return fail(err, errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF))
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
		resp.Body.Close() // 1xx informational
	}
	resp.Body = &h1Body{ReadCloser: resp.Body, c: c, p: p, stop: stop, reuse: !resp.Close && !req.Close}
	return resp, nil
}

// h1Body returns the connection to the pool once the body is read to EOF.
type h1Body struct {
	io.ReadCloser
	c     *h1Conn
	p     *h1Pool
	stop  func() bool
	reuse bool
	done  bool
}

func (b *h1Body) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.release(true)
	} else if err != nil {
		b.release(false)
	}
	return n, err
}

func (b *h1Body) Close() error {
	if !b.done {
		b.release(false)
	}
	return nil
}

func (b *h1Body) release(eof bool) {
	b.done = true
	stopped := b.stop()
	if eof && b.reuse && stopped && b.c.br.Buffered() == 0 {
		_ = b.c.SetDeadline(time.Time{})
		b.p.put(b.c)
		return
	}
	b.c.Close()
}
