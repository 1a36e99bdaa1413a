package host

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmesh/wasmesh/wasm/runtime"
)

// rootContextID is the plugin (root) context of every instance.
const rootContextID = 1

// ErrInstanceFailed wraps the cause of a guest failure (trap, timeout) as seen
// by a stream; ErrNoInstance is the cause when the pool has no live instance.
var (
	ErrInstanceFailed = errors.New("host: wasm instance failed")
	ErrNoInstance     = errors.New("host: no live wasm instance (crash-loop backoff)")
)

type instKey struct{}

// instance is one wazero instance of a plugin with its contexts. mu is held
// for every call into the guest: an instance serves one callback at a time.
type instance struct {
	p    *Plugin
	rt   *runtime.Instance
	mem  api.Memory
	fns  [numCallbacks]api.Function
	slot *slot
	// needReset: the slot had failures; the first good stream callback
	// resets them (under mu).
	needReset bool

	mu      sync.Mutex
	dead    atomic.Bool
	deadErr error
	stack   [8]uint64
	// mallocStack is the allocator call's stack at each nesting depth.
	mallocStack [maxReentry + 1][1]uint64
	// chunkNext and chunkEnd bound the unused rest of the guest chunk small
	// results are carved from (guests exporting wasmesh_alloc_chunk).
	chunkNext, chunkEnd uint32
	// paths caches decoded property paths (decodedPath).
	paths    map[string][]string
	nextID   uint32
	contexts map[uint32]*streamState
	// effective is the context host functions act on; active is the stream
	// whose own callback is running (nil in root/async callbacks).
	effective uint32
	active    *streamState
	pending   []func()
	callout   *HTTPCallResponse
	// foreignArgs is the FOREIGN_FUNCTION_ARGUMENTS buffer during
	// proxy_on_foreign_function.
	foreignArgs *[]byte
	nextCall    uint32
	// callsPending counts http calls not answered yet.
	callsPending atomic.Int32
	log          *lineLog

	tasks     taskQueue
	tick      atomic.Int64 // period in ns
	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// newInstance instantiates, runs _initialize, creates the root context and
// calls vm_start and configure. Errors are *LoadError.
func (p *Plugin) newInstance(ctx context.Context) (*instance, error) {
	lerr := func(r LoadReason, err error) error { return &LoadError{Plugin: p.cfg.Name, Reason: r, Err: err} }
	in := &instance{
		p:        p,
		nextID:   rootContextID + 1,
		contexts: map[uint32]*streamState{},
		done:     make(chan struct{}),
	}
	in.tasks.init()
	in.log = newLineLog(p.log)
	mc := wazero.NewModuleConfig().
		WithStdout(in.log).WithStderr(in.log).
		WithSysWalltime().WithSysNanotime().WithNanosleep(boundedSleep).
		WithRandSource(rand.Reader)
	for k, v := range p.cfg.Env {
		mc = mc.WithEnv(k, v)
	}
	ri, err := p.h.rt.Instantiate(ctx, p.compiled, runtime.InstanceConfig{
		MemoryLimitPages: p.cfg.MemoryLimitPages,
		Module:           mc,
		Context:          context.WithValue(context.Background(), instKey{}, in),
	})
	if err != nil {
		return nil, lerr(ReasonInstantiate, err)
	}
	in.rt = ri
	in.mem = ri.Module.Memory()
	for i, name := range callbackNames {
		if i == cbMalloc {
			name = p.guest.malloc
		}
		if p.guest.has[i] {
			in.fns[i] = ri.Module.ExportedFunction(name)
		}
	}
	root := &streamState{id: rootContextID}
	in.contexts[rootContextID] = root
	in.mu.Lock()
	err = in.start(root)
	in.mu.Unlock()
	if err != nil {
		_ = ri.Close(ctx)
		return nil, err
	}
	return in, nil
}

// startLoop starts the goroutine running ticks and async callbacks; called
// once the instance is in its pool slot.
func (in *instance) startLoop() {
	in.wg.Add(1)
	go in.loop()
}

func (in *instance) start(root *streamState) error {
	lerr := func(r LoadReason, err error) error { return &LoadError{Plugin: in.p.cfg.Name, Reason: r, Err: err} }
	in.effective = rootContextID
	if _, err := in.call(cbInitialize); err != nil {
		return lerr(ReasonStart, fmt.Errorf("_initialize: %w", err))
	}
	if _, err := in.call(cbContextCreate, rootContextID, 0); err != nil {
		return lerr(ReasonStart, fmt.Errorf("root context: %w", err))
	}
	ok, err := in.callBool(cbVMStart, rootContextID, uint64(len(in.p.cfg.VMConfiguration)))
	if err != nil || !ok {
		return lerr(ReasonStart, errOr(err, "proxy_on_vm_start returned false"))
	}
	ok, err = in.callBool(cbConfigure, rootContextID, uint64(len(in.p.cfg.Configuration)))
	if err != nil || !ok {
		return lerr(ReasonConfigure, errOr(err, "proxy_on_configure returned false"))
	}
	return nil
}

func errOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return errors.New("host: " + msg)
}

// call runs callback cb with args; a missing (optional) export returns
// (0, nil) for void callbacks and CONTINUE/true defaults via callBool.
// On failure the instance is marked dead. Caller holds mu.
func (in *instance) call(cb int, args ...uint64) (uint64, error) {
	if in.dead.Load() {
		return 0, in.deadErr
	}
	fn := in.fns[cb]
	if fn == nil {
		return 0, nil
	}
	st := in.stack[:max(len(args), 1)]
	copy(st, args)
	if err := in.rt.Call(fn, in.p.cfg.CallTimeout, st); err != nil {
		in.fail(fmt.Errorf("%s: %w", callbackNames[cb], err))
		return 0, in.deadErr
	}
	if in.dead.Load() { // a nested call (the guest's allocator) failed
		return 0, in.deadErr
	}
	return st[0], nil
}

// callBool runs a callback returning a bool; absent means true.
func (in *instance) callBool(cb int, args ...uint64) (bool, error) {
	if in.fns[cb] == nil {
		return true, nil
	}
	r, err := in.call(cb, args...)
	return uint32(r) != 0, err
}

// fail marks the instance dead; the pool replaces it. Caller holds mu.
func (in *instance) fail(err error) {
	if in.dead.Swap(true) {
		return
	}
	in.deadErr = fmt.Errorf("%w: %w", ErrInstanceFailed, err)
	in.failPaused()
	in.p.pool.died(in, err)
}

// runPending runs the stream callbacks the guest triggered; called without mu.
func (in *instance) runPending(pending []func()) {
	for _, f := range pending {
		f()
	}
}

// takePending detaches the queued stream callbacks. Caller holds mu.
func (in *instance) takePending() []func() {
	p := in.pending
	in.pending = nil
	return p
}

// close stops the loop and frees the instance at once (a failed instance).
func (in *instance) close(ctx context.Context) error { return in.shutdown(ctx, false) }

// shutdown stops the loop and frees the instance. When graceful (the plugin
// is closing, the guest did not fail) the root context ends first
// (endRoot). Streams still paused on the instance then get their fail
// strategy's outcome through their callbacks, and later stream callbacks
// fail per the strategy.
func (in *instance) shutdown(ctx context.Context, graceful bool) error {
	first := false
	in.closeOnce.Do(func() { first = true; close(in.done) })
	if !first {
		return nil
	}
	in.wg.Wait()
	if graceful {
		in.endRoot(ctx)
	}
	in.mu.Lock()
	in.dead.Store(true)
	if in.deadErr == nil {
		in.deadErr = fmt.Errorf("%w: plugin closed", ErrInstanceFailed)
	}
	in.failPaused()
	pending := in.takePending()
	in.log.flush()
	err := in.rt.Close(ctx)
	in.mu.Unlock()
	in.runPending(pending)
	return err
}

// maxGuestSleep bounds one WASI sleep (poll_oneoff), so a guest that sleeps
// keeps returning to wasm code, where the deadline can stop it.
const maxGuestSleep = 10 * time.Millisecond

func boundedSleep(ns int64) { time.Sleep(min(time.Duration(ns), maxGuestSleep)) }

// tickPeriod sets the root context's tick period.
func (in *instance) setTickPeriod(d time.Duration) {
	in.tick.Store(int64(d))
	in.tasks.wake()
}
