package h1

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"
)

// watchDelay is how long a request runs before the connection is watched
// for the client going away. Quick requests never pay for the watch.
const watchDelay = 20 * time.Millisecond

// watcher notices a client closing its connection while a request is being
// served, and cancels the request's context. It reads one byte from the
// connection in a goroutine started by a timer, only once the request body
// (if any) has been read and nothing else is buffered; a byte read that way
// (a pipelined request) is handed back through connReader.
type watcher struct {
	mu       sync.Mutex
	timer    *time.Timer
	cancel   context.CancelFunc
	canWatch bool // body read and nothing buffered
	reqDone  bool
	watching bool
	done     chan struct{}
	pending  bool // one[0] was read by the watcher and not yet consumed
	one      [1]byte
}

// startWatch arms the watch for a request; canWatch says whether the
// connection may be read now.
func (c *conn) startWatch(cancel context.CancelFunc, canWatch bool) {
	c.mu.Lock()
	c.cancel, c.canWatch, c.reqDone = cancel, canWatch, false
	c.mu.Unlock()
	if c.timer == nil {
		c.timer = time.AfterFunc(watchDelay, c.watch)
	} else {
		c.timer.Reset(watchDelay)
	}
}

// bodyDone is called when the request body reached its end; idle says
// nothing more is buffered, so the connection may be watched.
func (c *conn) bodyDone(idle bool) {
	c.mu.Lock()
	c.canWatch = idle
	c.mu.Unlock()
}

func (c *conn) watch() {
	c.mu.Lock()
	if c.reqDone || !c.canWatch || c.watching {
		c.mu.Unlock()
		return
	}
	c.watching = true
	done := make(chan struct{})
	c.done = done
	cancel := c.cancel
	_ = c.rwc.SetReadDeadline(time.Time{})
	c.mu.Unlock()
	n, err := c.rwc.Read(c.one[:])
	c.mu.Lock()
	c.pending = n == 1
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		cancel() // the client went away
	}
	c.watching = false
	close(done)
	c.mu.Unlock()
}

// stopWatch ends the watch when the request ends (or is hijacked), waiting
// for a read in progress to be interrupted.
func (c *conn) stopWatch() {
	c.mu.Lock()
	c.reqDone = true
	watching, done := c.watching, c.done
	c.mu.Unlock()
	c.timer.Stop()
	if watching {
		_ = c.rwc.SetReadDeadline(aLongTimeAgo)
		<-done
		_ = c.rwc.SetReadDeadline(time.Time{})
	}
}

func (c *conn) stopTimer() {
	if c.timer != nil {
		c.timer.Stop()
	}
}
