package runtime

import (
	"sync"
	"time"
)

// watchdog stops instances whose callback overran its deadline (by canceling
// the instance context, so wazero closes the module in the calling goroutine). One
// goroutine per runtime scans the live instances; a call only stores its
// deadline, so the hot path pays no timer.
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
	var expired []*Instance
	for {
		select {
		case <-w.done:
			return
		case now := <-t.C:
			expired = expired[:0]
			n := now.UnixNano()
			w.mu.Lock()
			for i := range w.insts {
				if d := i.deadline.Load(); d != 0 && n > d {
					expired = append(expired, i)
				}
			}
			w.mu.Unlock()
			for _, i := range expired {
				i.timedOut.Store(true)
				i.cancel()
			}
		}
	}
}

func (w *watchdog) stop() {
	close(w.done)
	w.wg.Wait()
}
