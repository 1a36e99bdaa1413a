package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/wasmesh/wasmesh/wasm/runtime"
)

// Config configures the Host.
type Config struct {
	Logger *slog.Logger
	// CacheDir is wazero's on-disk compilation cache; "" = in-memory only.
	CacheDir string
	// NodeID and NodeMetadata answer the node.id / node.metadata.* (and
	// xds.node.*) properties.
	NodeID       string
	NodeMetadata map[string]string
	// HTTPCalls sends proxy_http_call requests; nil makes them fail with
	// BAD_ARGUMENT (no such upstream).
	HTTPCalls HTTPCallDispatcher
	// Foreign holds the functions guests reach with
	// proxy_call_foreign_function; nil means none.
	Foreign *ForeignRegistry
	// MaxMemoryPages caps every instance; 0 = runtime.DefaultMaxMemoryPages.
	MaxMemoryPages uint32
	// NoDeadlines runs guests without per-callback deadlines (see
	// runtime.Config.NoDeadlines), for trusted modules only; it saves little
	// now that deadlines cost about 10 ns a call on linux/amd64. The zero
	// value enforces PluginConfig.CallTimeout.
	NoDeadlines bool
	// WazeroDeadlines enforces deadlines with wazero's own, slower mechanism
	// (runtime.Config.WazeroDeadlines): the escape hatch from the fast path
	// pinned to wazero's internals.
	WazeroDeadlines bool
}

// Host runs proxy-wasm plugins. It owns the wazero runtime; one per process.
type Host struct {
	log     *slog.Logger
	cfg     Config
	rt      *runtime.Runtime
	metrics *Metrics
	shared  *sharedData
	queues  *sharedQueues

	// compileMu orders compiling/using a module against freeing it.
	compileMu sync.Mutex
	uses      map[*runtime.Compiled]int // plugins per compiled module

	mu      sync.Mutex
	plugins map[*Plugin]struct{}
	closed  bool
}

// New creates the Host: the runtime with its caches, the "env" proxy-wasm
// host module and WASI preview1.
func New(ctx context.Context, cfg Config) (*Host, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Foreign == nil {
		cfg.Foreign = NewForeignRegistry()
	}
	rt, err := runtime.New(ctx, runtime.Config{Logger: cfg.Logger, CacheDir: cfg.CacheDir, MaxMemoryPages: cfg.MaxMemoryPages, NoDeadlines: cfg.NoDeadlines,
		WazeroDeadlines: cfg.WazeroDeadlines})
	if err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	h := &Host{
		log:     cfg.Logger,
		cfg:     cfg,
		rt:      rt,
		metrics: newMetrics(),
		shared:  newSharedData(),
		queues:  newSharedQueues(),
		plugins: map[*Plugin]struct{}{},
		uses:    map[*runtime.Compiled]int{},
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt.Wazero()); err != nil {
		return nil, errors.Join(fmt.Errorf("host: wasi: %w", err), rt.Close(ctx))
	}
	if err := instantiateEnv(ctx, rt.Wazero()); err != nil {
		return nil, errors.Join(fmt.Errorf("host: env module: %w", err), rt.Close(ctx))
	}
	return h, nil
}

// Metrics returns every plugin's metrics.
func (h *Host) Metrics() *Metrics { return h.metrics }

// Close closes every plugin and the runtime.
func (h *Host) Close(ctx context.Context) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	ps := make([]*Plugin, 0, len(h.plugins))
	for p := range h.plugins {
		ps = append(ps, p)
	}
	h.mu.Unlock()
	// In parallel: each plugin may wait up to its DoneTimeout for its root
	// contexts' last work, and a shutdown should wait that long once.
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Go(func() { errs[i] = p.Close(ctx) })
	}
	wg.Wait()
	return errors.Join(errors.Join(errs...), h.rt.Close(ctx))
}
