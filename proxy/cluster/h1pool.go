package cluster

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/wasmesh/wasmesh/proxy/internal/h1wire"
)

// h1Pool is a synchronous HTTP/1.1 client for plaintext upstreams: a request
// borrows an idle connection (or dials one), writes, reads the response on
// the calling goroutine, and returns the connection when the body has been
// read to the end. Unlike http.Transport it runs no goroutines per
// connection and hands nothing across channels; requests are written and
// responses parsed by hand (h1write.go, h1resp.go) into reused buffers.
type h1Pool struct {
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	idle time.Duration
	max  int // idle connections kept per address

	mu    sync.Mutex
	conns map[string][]*h1Conn
}

// h1Conn is one upstream connection. Its reads and writes go through the
// request's cancellation (h1deadline.go).
type h1Conn struct {
	nc       net.Conn
	br       *bufio.Reader
	bw       *bufio.Writer
	addr     string
	lastUsed time.Time
	head     []byte         // response head buffer, reused
	fields   []h1wire.Field // parser scratch, reused

	reqState // the request in progress
}

var _ http.RoundTripper = (*h1Pool)(nil)

var errStale = errors.New("cluster: reused connection failed before a response")

// max1xx bounds the informational responses before the final one.
const max1xx = 8

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
			c.nc.Close()
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
	c := &h1Conn{nc: nc, addr: addr}
	c.br = bufio.NewReaderSize(c, 16<<10)
	c.bw = bufio.NewWriterSize(c, 8<<10)
	return c, false, nil
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
	c.nc.Close()
}

// CloseIdleConnections closes every pooled connection.
func (p *h1Pool) CloseIdleConnections() {
	p.mu.Lock()
	all := p.conns
	p.conns = map[string][]*h1Conn{}
	p.mu.Unlock()
	for _, list := range all {
		for _, c := range list {
			c.nc.Close()
		}
	}
}

// RoundTrip implements http.RoundTripper. A request that fails on a reused
// (possibly stale) connection before any response byte is retried once on a
// new connection when its body can be replayed.
func (p *h1Pool) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if err := checkRequest(req); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		c, reused, err := p.get(req.Context(), req.URL.Host)
		if err != nil {
			return nil, err
		}
		resp, err := p.do(c, req)
		if err == nil {
			return resp, nil
		}
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

// do runs one exchange on c. On error c is closed.
func (p *h1Pool) do(c *h1Conn, req *http.Request) (*http.Response, error) {
	c.begin(req.Context())
	fail := func(err error, stale bool) (*http.Response, error) {
		c.end()
		c.nc.Close()
		if cerr := req.Context().Err(); cerr != nil {
			return nil, cerr
		}
		if errors.Is(err, context.DeadlineExceeded) { // the context's deadline, its timer not yet fired
			return nil, err
		}
		if stale && !errors.Is(err, errBadRequest) {
			return nil, errors.Join(errStale, err)
		}
		return nil, err
	}
	if err := writeRequest(c.bw, req); err != nil {
		return fail(err, true)
	}
	if err := c.bw.Flush(); err != nil {
		return fail(err, true)
	}
	method := req.Method
	x := new(exchange)
	resp := &x.resp
	for n1xx := 0; ; n1xx++ {
		var err error
		c.head, err = readHead(c.br, c.head, maxResponseHead)
		if err != nil {
			// Nothing read yet on a kept-alive connection: the server closed it.
			closed := err == io.EOF || err == io.ErrUnexpectedEOF
			return fail(err, closed || (len(c.head) == 0 && errors.Is(err, syscall.ECONNRESET)))
		}
		kind, fields, err := parseResponse(c.head, method, c.fields, resp)
		c.fields = fields
		if cap(c.head) > keptHeadBytes {
			c.head = nil // the response holds its own copy
		}
		if err != nil {
			return fail(err, false)
		}
		if resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
			if n1xx >= max1xx {
				return fail(badResponse("too many informational responses"), false)
			}
			continue
		}
		resp.Request = req
		reuse := !resp.Close && !req.Close && resp.StatusCode != http.StatusSwitchingProtocols
		if kind == bodyNone {
			resp.Body = http.NoBody
			p.release(c, reuse)
			return resp, nil
		}
		b := &x.body
		*b = h1Body{c: c, p: p, resp: resp, kind: kind, remaining: resp.ContentLength, reuse: reuse}
		if kind == bodyChunked {
			b.chunks = newChunkedReader(c.br)
		}
		resp.Body = b
		return resp, nil
	}
}

// exchange holds a response and its body in one allocation.
type exchange struct {
	resp http.Response
	body h1Body
}

// release ends the request on c and pools c when it can serve another.
func (p *h1Pool) release(c *h1Conn, reuse bool) {
	if c.end() && reuse && c.br.Buffered() == 0 {
		p.put(c)
		return
	}
	c.nc.Close()
}
