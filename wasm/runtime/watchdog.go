package runtime

import (
	"sync"
	"time"
)

// watchdog stops instances whose callback overran its deadline
// (Instance.stop: the guest fails at its next loop header). One goroutine per
// runtime scans the live instances. The hot path pays no timer, no goroutine
// and no clock read: a call only stores a stamp (callStamp), and the
// watchdog times the call from the scan at which it first sees that stamp. A call is stopped after its timeout plus
// at most two intervals (later if the watchdog is starved, never earlier).
type watchdog struct {
	start time.Time
	stub  *pollStub // nil: no heartbeat to renew
	mu    sync.Mutex
	insts map[*Instance]struct{}
	done  chan struct{}
	wg    sync.WaitGroup
}

func newWatchdog(interval time.Duration, stub *pollStub) *watchdog {
	w := &watchdog{start: time.Now(), stub: stub, insts: map[*Instance]struct{}{}, done: make(chan struct{})}
	w.wg.Add(1)
	go w.run(interval)
	return w
}

func (w *watchdog) add(i *Instance) {
	w.mu.Lock()
	w.insts[i] = struct{}{}
	w.mu.Unlock()
}

func (w *watchdog) remove(i *Instance) {
	w.mu.Lock()
	delete(w.insts, i)
	i.closed = true
	i.restorePolls()
	w.mu.Unlock()
}

func (w *watchdog) run(interval time.Duration) {
	defer w.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-w.done:
			return
		case now := <-t.C:
			if w.stub != nil {
				w.stub.beat(time.Since(w.start).Nanoseconds(), pollQuantum*interval.Nanoseconds())
			}
			w.scan(now.Sub(w.start).Nanoseconds())
		}
	}
}

// scan stops the calls that have run longer than their timeout; now is
// monotonic (ns since start). It stops under mu: once remove returns, no
// stop of that instance is in progress.
func (w *watchdog) scan(now int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.insts {
		c := i.call.Load()
		switch {
		case c <= 0:
		case c != i.seen:
			// A call the watchdog has not seen: it started since
			// the last scan.
			i.seen, i.seenAt = c, now
		case now-i.seenAt > stampTimeout(c) && i.call.CompareAndSwap(c, stopping):
			// The swap fails if the call ended since the load.
			i.stop()
		}
	}
}

func (w *watchdog) stop() {
	close(w.done)
	w.wg.Wait()
}
