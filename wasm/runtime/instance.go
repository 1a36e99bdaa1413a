package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sync/atomic"

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
	Module   api.Module
	ctx      context.Context
	cancel   context.CancelFunc
	rt       *Runtime
	deadline atomic.Int64 // unix ns; 0 when idle
	timedOut atomic.Bool
	depth    int
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
	// The watchdog stops a call by canceling this context: wazero then
	// closes the module from the calling goroutine, which is safe while host
	// functions run (closing it from another goroutine is not).
	runCtx, cancel := context.WithCancel(callCtx)
	inst = &Instance{Module: mod, ctx: runCtx, cancel: cancel, rt: r}
	r.wd.add(inst)
	return inst, nil
}

// Call runs fn with params/results in stack (api.Function.CallWithStack).
// The outermost call gets a deadline of timeout (0, or a runtime built with
// NoDeadlines: none); nested calls made
// by host functions during it share the outer deadline. A failed call
// returns an error wrapping ErrTimeout or ErrTrap; the instance is then
// unusable.
func (i *Instance) Call(fn api.Function, timeout time.Duration, stack []uint64) error {
	if fn == nil {
		return fmt.Errorf("%w: function not exported", ErrTrap)
	}
	outer := i.depth == 0
	if outer && timeout > 0 && !i.rt.noDeadlines {
		i.deadline.Store(time.Now().Add(timeout).UnixNano())
	}
	i.depth++
	err := fn.CallWithStack(i.ctx, stack)
	i.depth--
	if outer {
		i.deadline.Store(0)
	}
	if err == nil && !i.timedOut.Load() {
		return nil
	}
	if i.timedOut.Load() { // also when the watchdog closed it as the call returned
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

// Close closes the instance and frees its memory.
func (i *Instance) Close(ctx context.Context) error {
	i.rt.wd.remove(i)
	err := i.Module.Close(ctx)
	i.cancel()
	return err
}
