package host

import (
	"context"
	"time"
)

// endRoot ends the root context of an instance the host discards while the
// guest is healthy (Plugin.Close, Host.Close), as proxy-wasm hosts do at
// plugin shutdown: proxy_on_done, and when that returns false ("still
// busy"), the instance keeps serving its asynchronous work (http-call
// responses, queue deliveries) without ticks until the guest calls
// proxy_done or DoneTimeout (or ctx) ends the wait; then proxy_on_delete.
// A guest that traps or overruns its deadline is dead and ends nothing more.
// The instance's loop has stopped; stream callbacks may still run,
// serialized with these calls by the instance lock.
func (in *instance) endRoot(ctx context.Context) {
	start := time.Now()
	in.mu.Lock()
	root := in.contexts[rootContextID]
	if root == nil || in.dead.Load() {
		in.mu.Unlock()
		return
	}
	in.effective, in.active = rootContextID, nil
	finished, err := in.callBool(cbDone, rootContextID)
	if err == nil && !finished {
		root.awaitingDone = true
	}
	pending := in.takePending()
	in.mu.Unlock()
	in.runPending(pending)
	if err != nil {
		in.p.log.Warn("host: proxy_on_done of the root context failed; instance closed", "err", err)
		return
	}
	if !finished && !in.awaitRootDone(ctx, root) {
		in.p.log.Warn("host: guest did not call proxy_done in time; instance closed",
			"waited", time.Since(start).Round(time.Millisecond), "done_timeout", in.p.cfg.DoneTimeout, "ctx_err", ctx.Err())
	}
	in.mu.Lock()
	dead, deadErr := in.dead.Load(), in.deadErr
	if !dead && in.contexts[rootContextID] == root {
		in.effective = rootContextID
		_, _ = in.call(cbDelete, rootContextID)
		delete(in.contexts, rootContextID)
	}
	pending = in.takePending()
	in.mu.Unlock()
	in.runPending(pending)
	switch {
	case dead:
		in.p.log.Warn("host: guest failed while ending its root context; instance closed", "err", deadErr)
	case !finished:
		in.p.log.Debug("host: root context ended", "took", time.Since(start).Round(time.Millisecond))
	}
}

// awaitRootDone runs the instance's queued tasks (never ticks) until the
// guest called proxy_done for root, died, or the wait ended; it reports
// whether the guest finished (called proxy_done or died). The task
// proxy_done queued to finish the context is not run: endRoot deletes it.
func (in *instance) awaitRootDone(ctx context.Context, root *streamState) bool {
	bound := time.NewTimer(in.p.cfg.DoneTimeout)
	defer bound.Stop()
	for {
		in.mu.Lock()
		waiting := root.awaitingDone && !in.dead.Load()
		in.mu.Unlock()
		if !waiting {
			return true
		}
		select {
		case <-in.tasks.wakeC:
			for _, t := range in.tasks.take() {
				t(in)
			}
		case <-bound.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}
