package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/wasm/runtime"
)

// FailStrategy is what a stream gets when its plugin fails.
type FailStrategy int

const (
	// FailClose answers the stream with a local 503 (the default).
	FailClose FailStrategy = iota
	// FailOpen lets the stream continue as if the plugin were absent.
	FailOpen
)

// Defaults for PluginConfig's zero values.
const (
	DefaultMemoryLimitPages = 1024 // 64 MiB
	DefaultCallTimeout      = time.Second
	DefaultDoneTimeout      = 2 * time.Second
)

// PluginConfig describes one plugin to load.
type PluginConfig struct {
	Name, RootID, VMID string
	Module             []byte
	// SHA256 is the module's hex digest; verified when set.
	SHA256                         string
	Configuration, VMConfiguration []byte
	// Env is the guest's environment (WASI environ).
	Env  map[string]string
	Fail FailStrategy
	// PoolSize is the number of instances; 0 = GOMAXPROCS.
	PoolSize int
	// MemoryLimitPages caps each instance's memory; 0 = DefaultMemoryLimitPages.
	MemoryLimitPages uint32
	// CallTimeout is the deadline of each callback; 0 = DefaultCallTimeout.
	CallTimeout time.Duration
	// DoneTimeout bounds how long Close waits for an instance whose root
	// context's proxy_on_done returned false to call proxy_done;
	// 0 = DefaultDoneTimeout.
	DoneTimeout time.Duration
}

// LoadReason classifies a LoadError.
type LoadReason string

// Why a plugin failed to load.
const (
	ReasonDigest      LoadReason = "digest mismatch"
	ReasonCompile     LoadReason = "compile"
	ReasonABI         LoadReason = "abi version"
	ReasonExports     LoadReason = "exports"
	ReasonInstantiate LoadReason = "instantiate"
	ReasonStart       LoadReason = "vm start"
	ReasonConfigure   LoadReason = "configure"
	ReasonClosed      LoadReason = "host closed"
)

// LoadError is returned by Host.Load.
type LoadError struct {
	Plugin string
	Reason LoadReason
	Err    error
}

func (e *LoadError) Error() string {
	return fmt.Sprintf("host: load plugin %q: %s: %v", e.Plugin, e.Reason, e.Err)
}

func (e *LoadError) Unwrap() error { return e.Err }

// Plugin is a loaded plugin with its pool of instances.
type Plugin struct {
	h        *Host
	cfg      PluginConfig
	log      *slog.Logger
	compiled *runtime.Compiled
	guest    *guestABI
	pool     *pool
	ctx      context.Context // canceled by Close; given to http-call dispatches
	cancel   context.CancelFunc
	closeMu  sync.Once
}

// Load compiles the module (once per digest), checks its ABI, creates the
// instance pool and starts and configures every instance. Errors are
// *LoadError.
func (h *Host) Load(ctx context.Context, cfg PluginConfig) (*Plugin, error) {
	if cfg.RootID == "" {
		cfg.RootID = cfg.Name
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = defaultPoolSize()
	}
	if cfg.MemoryLimitPages == 0 {
		cfg.MemoryLimitPages = DefaultMemoryLimitPages
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.DoneTimeout <= 0 {
		cfg.DoneTimeout = DefaultDoneTimeout
	}
	lerr := func(r LoadReason, err error) error { return &LoadError{Plugin: cfg.Name, Reason: r, Err: err} }
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		return nil, lerr(ReasonClosed, errors.New("host is closed"))
	}
	c, err := h.compile(ctx, cfg)
	if errors.Is(err, runtime.ErrDigestMismatch) {
		return nil, lerr(ReasonDigest, err)
	}
	if err != nil {
		return nil, lerr(ReasonCompile, err)
	}
	g, reason, err := checkGuestABI(c.Module)
	if err != nil {
		h.release(ctx, c)
		return nil, lerr(reason, err)
	}
	// Instances come from the compiled module: the bytes (several MB for a
	// Go filter) would otherwise stay in memory for the plugin's life.
	cfg.Module = nil
	pctx, cancel := context.WithCancel(context.Background())
	p := &Plugin{
		h: h, cfg: cfg, compiled: c, guest: g, ctx: pctx, cancel: cancel,
		log: h.log.With("plugin", cfg.Name, "root_id", cfg.RootID, "vm_id", cfg.VMID),
	}
	p.pool = newPool(p, cfg.PoolSize)
	if err := p.pool.fill(ctx); err != nil {
		_ = p.Close(ctx)
		var le *LoadError
		if errors.As(err, &le) {
			return nil, err
		}
		return nil, lerr(ReasonInstantiate, err)
	}
	h.mu.Lock()
	h.plugins[p] = struct{}{}
	h.mu.Unlock()
	return p, nil
}

// Name is the plugin's name.
func (p *Plugin) Name() string { return p.cfg.Name }

// Close closes every instance: each root context gets proxy_on_done (and
// up to DoneTimeout, or ctx's end, to call proxy_done, with its http calls
// still answered), then proxy_on_delete. Streams still open fail per the
// strategy.
func (p *Plugin) Close(ctx context.Context) error {
	var err error
	p.closeMu.Do(func() {
		err = p.pool.close(ctx)
		p.cancel() // after the instances' last http calls
		p.h.mu.Lock()
		delete(p.h.plugins, p)
		p.h.mu.Unlock()
		p.h.queues.dropOwner(p)
		err = errors.Join(err, p.h.release(ctx, p.compiled))
	})
	return err
}

// compile compiles (or finds) the module and counts the plugin as a user.
func (h *Host) compile(ctx context.Context, cfg PluginConfig) (*runtime.Compiled, error) {
	h.compileMu.Lock()
	defer h.compileMu.Unlock()
	c, err := h.rt.Compile(ctx, cfg.Module, cfg.SHA256)
	if err == nil {
		h.uses[c]++
	}
	return c, err
}

// release drops a plugin's use of c and frees c's compiled code when no
// plugin uses it any more (the disk cache keeps it for a reload).
func (h *Host) release(ctx context.Context, c *runtime.Compiled) error {
	h.compileMu.Lock()
	defer h.compileMu.Unlock()
	if h.uses[c]--; h.uses[c] > 0 {
		return nil
	}
	delete(h.uses, c)
	return h.rt.Forget(ctx, c)
}
