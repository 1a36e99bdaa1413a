package runtime

import (
	"sync"
	"time"
)

// watchdog stops instances whose callback overran its deadline
// (Instance.stop: the guest fails at its next loop header). One goroutine per
// runtime scans the live instances; a call only stores its deadline, so the
// hot path pays no timer and no goroutine.
type watchdog struct {
	mu    sync.Mutex
	insts map[*Instance]struct{}
	done  chan struct{}
	wg    sync.WaitGroup
}

func newWatchdog(interval time.Duration) *watchdog {
	w := &watchdog{insts: map[*Instance]struct{}{}, done: make(chan struct{})}
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
			w.scan(now.UnixNano())
		}
	}
}

// scan stops the calls whose deadline is before now (unix ns). It stops
// under mu: once remove returns, no stop of that instance is in progress.
func (w *watchdog) scan(now int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.insts {
		// The swap fails if the call ended (or a later one began)
		// since the load.
		if d := i.deadline.Load(); d > 0 && now > d && i.deadline.CompareAndSwap(d, stopping) {
			i.stop()
		}
	}
}

func (w *watchdog) stop() {
	close(w.done)
	w.wg.Wait()
}
