package netwasm

import (
	"context"
	"errors"
	"log/slog"
	"net"

	"github.com/wasmesh/wasmesh/proxy/httpx"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// ErrClosed is returned by Open when a filter closed the connection
// (proxy_close_stream, or its plugin failed with fail_close).
var ErrClosed = errors.New("netwasm: connection closed by a filter")

// Filter is one network Wasm filter of a chain.
type Filter struct {
	Name   string
	Plugin *host.Plugin
}

// Chain is the network Wasm filters of one listener filter chain, in order.
// It is immutable and shared by the chain's connections.
type Chain struct {
	filters []Filter
	log     *slog.Logger
}

// NewChain returns the chain of filters (in order).
func NewChain(log *slog.Logger, filters []Filter) *Chain {
	if log == nil {
		log = slog.Default()
	}
	return &Chain{filters: filters, log: log}
}

// Len is the number of filters.
func (ch *Chain) Len() int { return len(ch.filters) }

// Open starts one TCP stream per filter for the downstream connection down
// (described by ci) and runs proxy_on_new_connection through the filters.
// While a filter pauses the new connection, Open waits until the filter
// continues it, a filter closes it, or ctx ends. On error down is closed
// and the streams are ended.
func (ch *Chain) Open(ctx context.Context, down net.Conn, ci *httpx.ConnInfo) (*Conn, error) {
	c := newConn(ch, down, ci)
	for i := range ch.filters {
		c.clearResumed(dirDown, i)
		r := c.call(i, func(s *host.TCPStream) host.Result { return s.OnNewConnection() })
		if c.stop(r) {
			c.Close()
			return nil, ErrClosed
		}
		if r.Action != abi.ActionPause {
			continue
		}
		if err := c.waitResumed(ctx, i); err != nil {
			c.Close()
			return nil, err
		}
	}
	c.wg.Add(1)
	go c.readLoop()
	return c, nil
}

// waitResumed waits for filter i to continue the downstream direction.
func (c *Conn) waitResumed(ctx context.Context, i int) error {
	for !c.takeResumed(dirDown, i) {
		select {
		case <-c.notify:
		case <-c.closing:
			return ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
