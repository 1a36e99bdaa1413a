package host

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Backoff of a slot whose instances keep failing: the first replacement is
// immediate, then 10ms doubling up to maxBackoff.
const (
	firstBackoff = 10 * time.Millisecond
	maxBackoff   = 5 * time.Second
)

// pool is a plugin's fixed set of instance slots. A dead instance is
// replaced lazily, when a stream needs one and the slot's backoff elapsed.
type pool struct {
	p       *Plugin
	mu      sync.Mutex
	slots   []*slot
	closed  bool
	closers sync.WaitGroup
}

type slot struct {
	inst     *instance
	streams  int
	failures int // consecutive failures; reset by a successful stream callback
	retryAt  time.Time
}

func newPool(p *Plugin, n int) *pool {
	pl := &pool{p: p, slots: make([]*slot, n)}
	for i := range pl.slots {
		pl.slots[i] = &slot{}
	}
	return pl
}

// fill creates every instance; the first failure fails the load.
func (pl *pool) fill(ctx context.Context) error {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	for _, s := range pl.slots {
		in, err := pl.p.newInstance(ctx)
		if err != nil {
			return err
		}
		in.slot, s.inst = s, in
		in.startLoop()
	}
	return nil
}

// acquire picks the live instance with the fewest streams, replacing a dead
// one whose backoff elapsed first. It returns nil when none is available.
func (pl *pool) acquire() *instance {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.closed {
		return nil
	}
	now := time.Now()
	var best *slot
	for _, s := range pl.slots {
		if s.inst == nil || s.inst.dead.Load() {
			if now.Before(s.retryAt) {
				continue
			}
			pl.replace(s)
			if s.inst == nil {
				continue
			}
		}
		if best == nil || s.streams < best.streams {
			best = s
		}
	}
	if best == nil {
		return nil
	}
	best.streams++
	return best.inst
}

// replace creates a new instance for a dead slot. Caller holds pl.mu.
func (pl *pool) replace(s *slot) {
	if s.inst != nil {
		old := s.inst
		s.inst, s.streams = nil, 0
		pl.closers.Go(func() { _ = old.close(context.Background()) })
	}
	in, err := pl.p.newInstance(pl.p.ctx)
	if err != nil {
		pl.backoff(s, err)
		return
	}
	in.slot, s.inst = s, in
	in.needReset = true
	in.startLoop()
	pl.p.log.Info("host: replaced wasm instance", "failures", s.failures)
}

// backoff records a failure of slot s. Caller holds pl.mu.
func (pl *pool) backoff(s *slot, err error) {
	s.failures++
	d := time.Duration(0)
	if s.failures > 1 {
		d = min(firstBackoff<<(s.failures-2), maxBackoff)
	}
	s.retryAt = time.Now().Add(d)
	switch {
	case s.failures == 4:
		pl.p.log.Error("host: wasm instance crash loop; further failures logged at powers of two", "err", err, "retry_in", d)
	case s.failures <= 3 || s.failures&(s.failures-1) == 0:
		pl.p.log.Error("host: wasm instance failed", "err", err, "failures", s.failures, "retry_in", d)
	}
}

// died is called (with in.mu held) when an instance trapped or timed out.
func (pl *pool) died(in *instance, err error) {
	if in.slot == nil {
		return // still starting: the creator reports the error
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if s := in.slot; s != nil && s.inst == in {
		pl.backoff(s, err)
	}
}

// succeeded resets the failure count of in's slot after a good callback.
func (pl *pool) succeeded(in *instance) {
	if s := in.slot; s != nil {
		pl.mu.Lock()
		if s.inst == in {
			s.failures = 0
		}
		pl.mu.Unlock()
	}
}

// live lists the instances that are not dead.
func (pl *pool) live() []*instance {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	var out []*instance
	for _, s := range pl.slots {
		if s.inst != nil && !s.inst.dead.Load() {
			out = append(out, s.inst)
		}
	}
	return out
}

// release ends a stream's hold on in.
func (pl *pool) release(in *instance) {
	pl.mu.Lock()
	if s := in.slot; s != nil && s.inst == in && s.streams > 0 {
		s.streams--
	}
	pl.mu.Unlock()
}

func (pl *pool) close(ctx context.Context) error {
	pl.mu.Lock()
	pl.closed = true
	var insts []*instance
	for _, s := range pl.slots {
		if s.inst != nil {
			insts = append(insts, s.inst)
			s.inst = nil
		}
	}
	pl.mu.Unlock()
	pl.closers.Wait()
	// Each instance ends its root context, waiting up to DoneTimeout for
	// the guest: all at once, so the wait is one bound, not one per instance.
	errs := make([]error, len(insts))
	var wg sync.WaitGroup
	for i, in := range insts {
		wg.Go(func() { errs[i] = in.shutdown(ctx, true) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
