package host

import (
	"sync"
	"time"
)

// taskQueue is an unbounded FIFO of work for an instance's loop: http-call
// responses, queue-ready notifications, deferred context deletion.
type taskQueue struct {
	mu    sync.Mutex
	items []func(*instance)
	wakeC chan struct{}
}

func (q *taskQueue) init() { q.wakeC = make(chan struct{}, 1) }

func (q *taskQueue) push(f func(*instance)) {
	q.mu.Lock()
	q.items = append(q.items, f)
	q.mu.Unlock()
	q.wake()
}

func (q *taskQueue) wake() {
	select {
	case q.wakeC <- struct{}{}:
	default:
	}
}

func (q *taskQueue) take() []func(*instance) {
	q.mu.Lock()
	items := q.items
	q.items = nil
	q.mu.Unlock()
	return items
}

// loop runs the instance's asynchronous callbacks (tasks and ticks) one at a
// time under the instance lock until the instance is closed.
func (in *instance) loop() {
	defer in.wg.Done()
	var (
		timer  *time.Timer
		timerC <-chan time.Time
		period time.Duration
	)
	resetTick := func() {
		p := time.Duration(in.tick.Load())
		if p == period {
			return
		}
		period = p
		if timer != nil {
			timer.Stop()
			timer, timerC = nil, nil
		}
		if p > 0 {
			timer = time.NewTimer(p)
			timerC = timer.C
		}
	}
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-in.done:
			return
		case <-in.tasks.wakeC:
			for _, t := range in.tasks.take() {
				t(in)
			}
			resetTick()
		case <-timerC:
			in.runAsync(func() { _, _ = in.call(cbTick, rootContextID) })
			timer.Reset(period)
			resetTick()
		}
	}
}

// runAsync runs f under the lock with the root context effective, then the
// stream callbacks it triggered.
func (in *instance) runAsync(f func()) {
	in.mu.Lock()
	if in.dead.Load() {
		in.mu.Unlock()
		return
	}
	in.effective, in.active = rootContextID, nil
	f()
	pending := in.takePending()
	in.mu.Unlock()
	in.runPending(pending)
}
