package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"
)

// ErrTimeout is returned (wrapped) by Instance.Call when the deadline stopped
// the guest. ErrTrap wraps any other failure of the guest; the instance must
// be discarded after either.
var (
	ErrTimeout = errors.New("runtime: callback deadline exceeded")
	ErrTrap    = errors.New("runtime: guest trapped")
	// ErrMemoryLimit is returned by Instantiate when the module's initial
	// memory exceeds the instance's limit.
	ErrMemoryLimit = errors.New("runtime: module memory exceeds the limit")
)

// InstanceConfig configures one instance.
type InstanceConfig struct {
	// MemoryLimitPages caps linear memory (64 KiB pages); 0 means the
	// runtime's maximum.
	MemoryLimitPages uint32
	// Module is the wazero module config (WASI stdio, env, clocks). Its name
	// must be empty: instances of one module are anonymous.
	Module wazero.ModuleConfig
	// Context is passed to every call into the guest (host functions find
	// their per-instance state in it). It must not carry a deadline.
	Context context.Context
}

// Instance is one instantiated guest. Calls must not overlap (except nested
// calls made from host functions during a call).
type Instance struct {
	Module api.Module
	ctx    context.Context
	// cancel is set when the watchdog stops calls through ctx (wazero's
	// goroutine per call); nil when it interrupts them itself.
	cancel context.CancelFunc
	rt     *Runtime
	// call is the outer call in progress as the watchdog sees it
	// (callStamp); 0 when idle or unarmed, stopping while the watchdog
	// stops it.
	call     atomic.Int64
	seq      uint32 // numbers the outer calls (calling goroutine only)
	timedOut atomic.Bool
	depth    int
	// poll finds the functions' loop-check slots (poll.go); nil when the
	// loop checks keep wazero's trampoline.
	poll *pollLayout
	// Under the watchdog's mu: the call it saw and when, the patched
	// loop-check slots, and whether Close took it off the watchdog.
	seen   int64
	seenAt int64
	polls  []*unsafe.Pointer
	closed bool
}

// stopping is the call value the watchdog swaps in when it stops the call
// (so a later call is never stopped for an earlier one's deadline).
const stopping = -1

// callStamp identifies one outer call for the watchdog: a sequence number
// in the high half (so consecutive calls differ), the timeout in
// milliseconds (rounded up, at least 1) in the low half. It is positive.
func callStamp(seq uint32, timeout time.Duration) int64 {
	ms := min((timeout+time.Millisecond-1)/time.Millisecond, math.MaxUint32)
	return int64(seq&math.MaxInt32)<<32 | max(int64(ms), 1)
}

// stampTimeout is the timeout a callStamp carries, in ns.
func stampTimeout(stamp int64) int64 {
	return int64(uint32(stamp)) * int64(time.Millisecond)
}

// Instantiate creates an instance of c. Start functions are not run; the
// caller calls _initialize itself with a deadline.
func (r *Runtime) Instantiate(ctx context.Context, c *Compiled, cfg InstanceConfig) (inst *Instance, err error) {
	pages := cfg.MemoryLimitPages
	if pages == 0 || pages > r.maxPages {
		pages = r.maxPages
	}
	for _, m := range c.Module.ExportedMemories() {
		if m.Min() > pages {
			return nil, fmt.Errorf("%w: %d initial pages, limit %d", ErrMemoryLimit, m.Min(), pages)
		}
	}
	if len(c.Module.ImportedMemories()) > 0 {
		return nil, fmt.Errorf("%w: module imports its memory; it must define and export one", ErrTrap)
	}
	callCtx := cfg.Context
	if callCtx == nil {
		callCtx = context.Background()
	}
	mc := cfg.Module
	if mc == nil {
		mc = wazero.NewModuleConfig()
	}
	mc = mc.WithName("").WithStartFunctions()
	defer func() {
		if p := recover(); p != nil {
			inst, err = nil, fmt.Errorf("%w: instantiate: %v", ErrTrap, p)
		}
	}()
	ictx := experimental.WithMemoryAllocator(callCtx, limitAllocator(uint64(pages)*65536))
	mod, err := r.rt.InstantiateModule(ictx, c.Module, mc)
	if err != nil {
		return nil, fmt.Errorf("runtime: instantiate %s: %w", c.SHA256[:12], err)
	}
	inst = &Instance{Module: mod, ctx: callCtx, rt: r}
	if !r.noDeadlines {
		c.prepare.Do(func() { r.prepareInterrupts(c, mod) })
		if c.interruptible {
			if c.poll.engine != nil {
				inst.poll = &c.poll
			}
		} else {
			// wazero's goroutine per call closes the module from the
			// calling goroutine when the watchdog cancels this context.
			inst.ctx, inst.cancel = context.WithCancel(callCtx)
		}
	}
	r.wd.add(inst)
	return inst, nil
}

// prepareInterrupts decides, before the first call into any instance of c,
// whether the watchdog interrupts them itself (interrupt.go) and whether
// their loop checks are cheap (poll.go), logging why not.
func (r *Runtime) prepareInterrupts(c *Compiled, mod api.Module) {
	err := r.shimErr
	if err == nil {
		err = dropCallWatcher(mod)
	}
	if err != nil {
		r.log.Warn("runtime: callback deadlines use a goroutine per guest call", "sha256", c.SHA256, "err", err)
		return
	}
	c.interruptible = true
	err = r.stubErr
	for name := range mod.ExportedFunctionDefinitions() {
		if err == nil {
			c.poll, err = layoutFor(mod.ExportedFunction(name), r.stub)
		}
		break
	}
	if err != nil {
		r.log.Warn("runtime: guest loop checks leave native code on every iteration", "sha256", c.SHA256, "err", err)
	}
}

// stop ends the call in progress from the watchdog: the guest fails at its
// next loop header (or as it returns) with ErrTimeout.
func (i *Instance) stop() {
	i.timedOut.Store(true)
	if i.cancel != nil {
		i.cancel()
		return
	}
	interrupt(i.Module)
	i.restorePolls()
}

// Call runs fn with params/results in stack (api.Function.CallWithStack).
// The outermost call gets a deadline of timeout (0, or a runtime built with
// NoDeadlines: none), enforced within two watchdog intervals after it;
// nested calls made by host functions during it share the outer deadline.
// Arming it reads no clock: the watchdog times the call from when it first
// sees it. A failed call returns an error wrapping ErrTimeout or ErrTrap;
// the instance is then unusable.
func (i *Instance) Call(fn api.Function, timeout time.Duration, stack []uint64) error {
	if fn == nil {
		return fmt.Errorf("%w: function not exported", ErrTrap)
	}
	if i.timedOut.Load() {
		return fmt.Errorf("%w: instance stopped by an earlier deadline", ErrTimeout)
	}
	armed := i.depth == 0 && timeout > 0 && !i.rt.noDeadlines
	if armed {
		i.seq++
		i.call.Store(callStamp(i.seq, timeout))
	}
	if i.poll != nil {
		i.cheapPolls(fn)
	}
	i.depth++
	err := fn.CallWithStack(i.ctx, stack)
	i.depth--
	if armed && i.call.Swap(0) == stopping {
		i.timedOut.Store(true) // the watchdog may not have stored it yet
	}
	if err == nil && !i.timedOut.Load() {
		return nil
	}
	if i.timedOut.Load() { // also when the watchdog stopped it as the call returned
		return fmt.Errorf("%w (%s): %v", ErrTimeout, timeout, err)
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("%w: exited with code %d", ErrTrap, exit.ExitCode())
	}
	return fmt.Errorf("%w: %w", ErrTrap, err)
}

// Depth is the number of guest calls in progress (nested calls from host
// functions count).
func (i *Instance) Depth() int { return i.depth }

// Close closes the instance and frees its memory. No call may be in
// progress.
func (i *Instance) Close(ctx context.Context) error {
	i.rt.wd.remove(i) // the watchdog is done with i once this returns
	if i.cancel == nil && i.timedOut.Load() {
		releaseInterrupted(i.Module) // stopped after its last call returned
	}
	err := i.Module.Close(ctx)
	if i.cancel != nil {
		i.cancel()
	}
	return err
}
