package netwasm

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmesh/wasmesh/proxy/httpx"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// Directions, as indexes.
const (
	dirDown = 0 // downstream data (client to upstream)
	dirUp   = 1 // upstream data (upstream to client)
)

// readSize is the most the reader takes from the downstream connection at once.
const readSize = 32 << 10

// Conn is a downstream connection seen through a chain's filters. Read and
// Write may be called concurrently with each other (one goroutine each);
// Close ends the streams once.
type Conn struct {
	net.Conn // the downstream connection

	ch      *Chain
	log     *slog.Logger
	props   *props
	streams []*host.TCPStream
	failed  []bool // a failure of filter i was logged

	gmu sync.Mutex // serializes calls into the guests, and Done

	// Signals from the guests' stream callbacks, which run while gmu may be
	// held and so never block.
	sigMu    sync.Mutex
	resumed  [2][]bool // [direction][filter]: proxy_continue_stream seen
	shutting bool      // set with closing; no resume goroutine starts after it
	notify   chan struct{}
	closing  chan struct{}
	shutOnce sync.Once
	endOnce  sync.Once
	byFilter atomic.Bool // a filter closed the connection
	remote   atomic.Bool // the downstream peer ended its side first
	wg       sync.WaitGroup
	upState  atomic.Int32 // 0 no upstream, 1 connected, 2 close reported

	// Downstream direction: owned by the goroutine calling Read.
	chunks chan chunk
	down   pending
	out    []byte       // bytes every filter let through, not yet read
	rerr   error        // the downstream read's final error
	rdl    atomic.Int64 // read deadline (unix ns; 0 none), also kept while a filter holds the bytes

	// Upstream direction: under wmu.
	wmu sync.Mutex
	up  pending
}

var _ net.Conn = (*Conn)(nil)

// pending is one direction's data held by the filters.
type pending struct {
	data     []byte
	pausedAt int // the filter that paused it; -1 when none
	eos      bool
}

type chunk struct {
	b   []byte
	err error
}

func newConn(ch *Chain, down net.Conn, ci *httpx.ConnInfo) *Conn {
	n := len(ch.filters)
	c := &Conn{Conn: down, ch: ch, log: ch.log, props: &props{ci: ci}, failed: make([]bool, n),
		notify: make(chan struct{}, 1), closing: make(chan struct{}), chunks: make(chan chunk, 1),
		down: pending{pausedAt: -1}, up: pending{pausedAt: -1}}
	c.resumed = [2][]bool{make([]bool, n), make([]bool, n)}
	for i, f := range ch.filters {
		c.streams = append(c.streams, f.Plugin.NewTCPStream(c.props, host.StreamCallbacks{
			Resume:     func(t abi.StreamType) { c.resume(i, t) },
			Close:      func(abi.StreamType) { c.closeByFilter() },
			LocalReply: func(host.LocalResponse) { c.closeByFilter() },
		}))
	}
	return c
}

// call runs one callback of filter i's stream.
func (c *Conn) call(i int, f func(*host.TCPStream) host.Result) host.Result {
	c.gmu.Lock()
	r := f(c.streams[i])
	first := r.Err != nil && !c.failed[i]
	if first {
		c.failed[i] = true
	}
	c.gmu.Unlock()
	if first {
		c.log.Warn("netwasm: filter failed", "filter", c.ch.filters[i].Name, "err", r.Err, "closing", r.Local != nil)
	}
	return r
}

// stop reports whether the connection is over after a callback's result.
func (c *Conn) stop(r host.Result) bool {
	if r.Local != nil {
		c.closeByFilter()
		return true
	}
	return c.isClosing()
}

func (c *Conn) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// resume is StreamCallbacks.Resume of filter i.
func (c *Conn) resume(i int, t abi.StreamType) {
	d := dirDown
	if t == abi.StreamUpstream {
		d = dirUp
	}
	c.sigMu.Lock()
	defer c.sigMu.Unlock()
	if c.shutting {
		return
	}
	c.resumed[d][i] = true
	if d == dirDown {
		select {
		case c.notify <- struct{}{}:
		default:
		}
		return
	}
	c.wg.Add(1)
	go c.resumeUp()
}

func (c *Conn) takeResumed(d, i int) bool {
	c.sigMu.Lock()
	defer c.sigMu.Unlock()
	v := c.resumed[d][i]
	c.resumed[d][i] = false
	return v
}

// clearResumed forgets a stale continue before a callback that may pause.
func (c *Conn) clearResumed(d, i int) { c.takeResumed(d, i) }

func (c *Conn) closeByFilter() {
	c.byFilter.Store(true)
	c.shut()
}

// shut stops the connection: the downstream socket closes, Read and Write fail.
func (c *Conn) shut() {
	c.shutOnce.Do(func() {
		c.sigMu.Lock()
		c.shutting = true
		close(c.closing)
		c.sigMu.Unlock()
		_ = c.Conn.Close()
	})
}

// readLoop feeds the downstream bytes to Read.
func (c *Conn) readLoop() {
	defer c.wg.Done()
	buf := make([]byte, readSize)
	for {
		n, err := c.Conn.Read(buf)
		if err != nil && !c.isClosing() {
			c.remote.Store(true)
		}
		select {
		case c.chunks <- chunk{b: bytes.Clone(buf[:n]), err: err}:
		case <-c.closing:
			return
		}
		if err != nil {
			return
		}
	}
}

// Read returns downstream bytes once every filter let them through.
func (c *Conn) Read(p []byte) (int, error) {
	for {
		if len(c.out) > 0 {
			n := copy(p, c.out)
			c.out = c.out[n:]
			return n, nil
		}
		if c.isClosing() {
			return 0, net.ErrClosed
		}
		// A paused filter may still let bytes through after the client's
		// end of stream, but not after a failed read.
		if c.rerr != nil && (c.down.pausedAt < 0 || !errors.Is(c.rerr, io.EOF)) {
			return 0, c.rerr
		}
		if k := c.down.pausedAt; k >= 0 && c.takeResumed(dirDown, k) {
			c.runDown(k + 1)
			continue
		}
		chunks := c.chunks
		if c.rerr != nil {
			chunks = nil
		}
		// While a filter holds the bytes the deadline is kept here: the
		// reader may be done (end of stream) or idle for good.
		var timer *time.Timer
		var timeout <-chan time.Time
		if d := c.rdl.Load(); d != 0 && c.down.pausedAt >= 0 {
			timer = time.NewTimer(time.Until(time.Unix(0, d)))
			timeout = timer.C
		}
		select {
		case ck := <-chunks:
			c.down.data = append(c.down.data, ck.b...)
			switch {
			case ck.err == nil || errors.Is(ck.err, io.EOF):
				c.rerr, c.down.eos = ck.err, ck.err != nil
				c.runDown(0)
			default:
				// a failed read (reset, idle timeout): the connection is
				// going away; the filters hear of it as its close
				c.rerr = ck.err
			}
		case <-c.notify:
		case <-c.closing:
			return 0, net.ErrClosed
		case <-timeout:
			return 0, os.ErrDeadlineExceeded
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// SetReadDeadline sets the downstream read deadline, which also bounds the
// wait for a filter holding the bytes.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.rdl.Store(unixNano(t))
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline sets both deadlines (see SetReadDeadline).
func (c *Conn) SetDeadline(t time.Time) error {
	c.rdl.Store(unixNano(t))
	return c.Conn.SetDeadline(t)
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// runDown offers the held downstream bytes to the filters from the one at
// index from; what all of them let through becomes readable.
func (c *Conn) runDown(from int) {
	for i := from; i < len(c.streams); i++ {
		c.clearResumed(dirDown, i)
		r := c.call(i, func(s *host.TCPStream) host.Result { return s.OnDownstreamData(&c.down.data, c.down.eos) })
		if c.stop(r) {
			c.down.data = nil
			return
		}
		if r.Action == abi.ActionPause {
			c.down.pausedAt = i
			return
		}
	}
	c.down.pausedAt = -1
	c.out, c.down.data = c.down.data, nil
}

// Write offers upstream bytes to the filters (last to first) and writes
// what they let through to the client. Bytes a filter holds count as
// written.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.isClosing() || c.up.eos {
		return 0, net.ErrClosed
	}
	c.up.data = append(c.up.data, p...)
	if err := c.runUp(len(c.streams) - 1); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite is the upstream's end of stream: the filters see it, then the
// client's side is half-closed (at once, or when the paused filter
// continues).
func (c *Conn) CloseWrite() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.isClosing() || c.up.eos {
		return nil
	}
	c.up.eos = true
	return c.runUp(len(c.streams) - 1)
}

// runUp offers the held upstream bytes to the filters from index from down
// to the first and writes what passes. Caller holds wmu.
func (c *Conn) runUp(from int) error {
	for i := from; i >= 0; i-- {
		c.clearResumed(dirUp, i)
		r := c.call(i, func(s *host.TCPStream) host.Result { return s.OnUpstreamData(&c.up.data, c.up.eos) })
		if c.stop(r) {
			c.up.data = nil
			return net.ErrClosed
		}
		if r.Action == abi.ActionPause {
			c.up.pausedAt = i
			return nil
		}
	}
	c.up.pausedAt = -1
	b := c.up.data
	c.up.data = nil
	if len(b) > 0 {
		if _, err := c.Conn.Write(b); err != nil {
			return err
		}
	}
	if c.up.eos {
		if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
			return cw.CloseWrite()
		}
		return errors.ErrUnsupported
	}
	return nil
}

// resumeUp lets held upstream bytes through after proxy_continue_stream.
func (c *Conn) resumeUp() {
	defer c.wg.Done()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	k := c.up.pausedAt
	if c.isClosing() || k < 0 || !c.takeResumed(dirUp, k) {
		return
	}
	if err := c.runUp(k - 1); err != nil && !errors.Is(err, net.ErrClosed) {
		c.log.Debug("netwasm: writing held upstream bytes", "err", err)
		c.shut()
	}
}

// ClosedByFilter reports whether a filter closed the connection.
func (c *Conn) ClosedByFilter() bool { return c.byFilter.Load() }

// UpstreamConnected records the upstream host (served as upstream.address);
// from then on the filters hear of the upstream's close.
func (c *Conn) UpstreamConnected(addr string) {
	c.props.upstream.Store(&addr)
	c.upState.CompareAndSwap(0, 1)
}

// UpstreamClosed runs proxy_on_upstream_connection_close in every filter,
// once, with the peer that closed the upstream connection.
func (c *Conn) UpstreamClosed(peer abi.PeerType) {
	if !c.upState.CompareAndSwap(1, 2) {
		return
	}
	c.gmu.Lock()
	defer c.gmu.Unlock()
	for _, s := range c.streams {
		s.OnUpstreamClose(peer)
	}
}

// Close closes the downstream connection and ends the streams: the upstream
// close (if not reported yet, peer LOCAL), the downstream close (peer
// REMOTE when the client ended first, else LOCAL), then done.
func (c *Conn) Close() error {
	c.shut()
	c.endOnce.Do(func() {
		c.wg.Wait()
		c.UpstreamClosed(abi.PeerLocal)
		peer := abi.PeerLocal
		if c.remote.Load() && !c.byFilter.Load() {
			peer = abi.PeerRemote
		}
		c.gmu.Lock()
		defer c.gmu.Unlock()
		for _, s := range c.streams {
			s.OnDownstreamClose(peer)
			s.Done()
		}
	})
	return nil
}
