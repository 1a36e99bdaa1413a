package cluster

import (
	"context"
	"errors"
	"os"
	"time"
)

// watchDelay is how long a request may wait on its upstream connection
// before its context is watched. Until then cancellation is a connection
// deadline: quick exchanges pay for no context registration.
const watchDelay = 20 * time.Millisecond

// aLongTimeAgo is a deadline that makes pending I/O fail at once.
var aLongTimeAgo = time.Unix(1, 0)

// reqState ties a connection's I/O to the context of the request using it.
// The connection deadline is first the earlier of the context's deadline
// and watchDelay from now; I/O still pending when the watch deadline passes
// registers a context.AfterFunc (which fails pending I/O by a deadline in
// the past) and continues under the context's own deadline.
type reqState struct {
	ctx      context.Context
	deadline time.Time   // the deadline last set on the connection
	watchAt  bool        // deadline is the watch deadline, not the context's
	stop     func() bool // the registered AfterFunc, if any
}

// begin ties c to ctx for one exchange.
func (c *h1Conn) begin(ctx context.Context) {
	c.ctx, c.watchAt, c.stop = ctx, false, nil
	d, hasD := ctx.Deadline()
	// A context with a deadline can end; asking it for Done is not needed
	// then, and would make a lazy one (the route timeout's) start its timer.
	if hasD || ctx.Done() != nil {
		if w := time.Now().Add(watchDelay); !hasD || w.Before(d) {
			d, c.watchAt = w, true
		}
	}
	if !d.Equal(c.deadline) {
		_ = c.nc.SetDeadline(d)
		c.deadline = d
	}
}

// end unties c from its request; false means c's deadline may have been
// changed by a cancellation, so c must not be reused.
func (c *h1Conn) end() bool {
	ok := true
	if c.stop != nil {
		ok = c.stop()
		c.stop = nil
	}
	c.ctx = nil
	return ok
}

// Read reads from the connection for the bufio.Reader, under the request's
// cancellation.
func (c *h1Conn) Read(p []byte) (int, error) {
	for {
		n, err := c.nc.Read(p)
		if err == nil || n > 0 {
			return n, c.mapErr(err)
		}
		if !c.expired(err) {
			return n, c.mapErr(err)
		}
	}
}

// Write writes to the connection for the bufio.Writer, under the request's
// cancellation; a watch deadline passing mid-write continues the write.
func (c *h1Conn) Write(p []byte) (int, error) {
	written := 0
	for {
		n, err := c.nc.Write(p[written:])
		written += n
		if err == nil {
			return written, nil
		}
		if !c.expired(err) {
			return written, c.mapErr(err)
		}
	}
}

// expired handles the watch deadline passing: it reports whether the I/O
// should be retried, now under the context's watch.
func (c *h1Conn) expired(err error) bool {
	if !c.watchAt || c.ctx == nil || !errors.Is(err, os.ErrDeadlineExceeded) || c.ctx.Err() != nil {
		return false
	}
	c.watchAt = false
	d, _ := c.ctx.Deadline() // zero without one
	_ = c.nc.SetDeadline(d)
	c.deadline = d
	nc := c.nc
	c.stop = context.AfterFunc(c.ctx, func() { _ = nc.SetDeadline(aLongTimeAgo) })
	return true
}

// mapErr turns a deadline error into the context's error: the deadline came
// from the context (its timer may not have fired yet) or a cancellation.
func (c *h1Conn) mapErr(err error) error {
	if !errors.Is(err, os.ErrDeadlineExceeded) || c.ctx == nil {
		return err
	}
	if cerr := c.ctx.Err(); cerr != nil {
		return cerr
	}
	return context.DeadlineExceeded
}
