package fetch

import (
	"context"
	"slices"
	"sync"
)

// flight makes concurrent calls with one key share a single execution.
type flight struct {
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done     chan struct{}
	data     []byte
	digest   string
	err      error
	canceled bool // the leader's context ended: waiters retry with their own
}

// do runs fn once for concurrent callers of key. Waiters get a copy of the leader's bytes; if
// the leader's context was canceled, a waiter whose context is live runs fn itself.
func (g *flight) do(ctx context.Context, key string, fn func(context.Context) ([]byte, string, error)) ([]byte, string, error) {
	for {
		g.mu.Lock()
		if g.calls == nil {
			g.calls = map[string]*call{}
		}
		if c, ok := g.calls[key]; ok {
			g.mu.Unlock()
			select {
			case <-c.done:
			case <-ctx.Done():
				return nil, "", ctx.Err()
			}
			if c.canceled && c.err != nil && ctx.Err() == nil {
				continue
			}
			return slices.Clone(c.data), c.digest, c.err
		}
		c := &call{done: make(chan struct{})}
		g.calls[key] = c
		g.mu.Unlock()

		c.data, c.digest, c.err = fn(ctx)
		c.canceled = ctx.Err() != nil
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
		close(c.done)
		return c.data, c.digest, c.err
	}
}
