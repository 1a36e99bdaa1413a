package httpx

import (
	"context"
	"sync"
	"time"
)

// routeDeadline is the route timeout's context. Most requests finish long
// before their timeout and nothing waits on their context's Done channel:
// the upstream client turns the deadline into a socket deadline and polls
// Err. So routeDeadline starts no timer and registers nothing with its
// parent until something asks for Done; Err compares the clock instead.
// The first Done (or context.AfterFunc, which asks for Done) makes the real
// context.WithDeadline, which from then on answers everything.
type routeDeadline struct {
	parent   context.Context
	deadline time.Time

	mu   sync.Mutex
	real context.Context // made by the first Done; nil until then
	stop context.CancelFunc
	err  error // set by cancel before the real context exists
}

var _ context.Context = (*routeDeadline)(nil)

// withRouteDeadline is context.WithTimeout(parent, d) for the route timeout.
func withRouteDeadline(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	c := &routeDeadline{parent: parent, deadline: time.Now().Add(d)}
	return c, c.cancel
}

func (c *routeDeadline) Deadline() (time.Time, bool) {
	if pd, ok := c.parent.Deadline(); ok && pd.Before(c.deadline) {
		return pd, true
	}
	return c.deadline, true
}

func (c *routeDeadline) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real == nil {
		switch c.err {
		case nil:
			c.real, c.stop = context.WithDeadline(c.parent, c.deadline)
		case context.DeadlineExceeded: // cancelled after it expired
			c.real, c.stop = context.WithDeadline(c.parent, time.Unix(0, 0))
		default:
			c.real, c.stop = context.WithCancel(c.parent)
			c.stop()
		}
	}
	return c.real.Done()
}

func (c *routeDeadline) Err() error {
	c.mu.Lock()
	real, err := c.real, c.err
	c.mu.Unlock()
	if real != nil {
		return real.Err()
	}
	if err != nil {
		return err
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value answers from the real context once it exists, so that the context
// package finds its cancelCtx (context.AfterFunc, Cause).
func (c *routeDeadline) Value(key any) any {
	c.mu.Lock()
	real := c.real
	c.mu.Unlock()
	if real != nil {
		return real.Value(key)
	}
	return c.parent.Value(key)
}

func (c *routeDeadline) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	// A cancel after the deadline passed finds the context already expired,
	// as the timer of context.WithDeadline would have left it.
	c.err = context.Canceled
	if c.real == nil && !time.Now().Before(c.deadline) {
		c.err = context.DeadlineExceeded
	}
	if c.stop != nil {
		c.stop()
	}
}
