package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
)

// DefaultMaxMemoryPages is the ceiling on any instance's memory (1 GiB).
const DefaultMaxMemoryPages = 16384

// Config configures the Runtime.
type Config struct {
	Logger *slog.Logger
	// CacheDir holds wazero's on-disk compilation cache; "" keeps compiled
	// code in memory only.
	CacheDir string
	// MaxMemoryPages caps every instance (64 KiB pages); 0 means
	// DefaultMaxMemoryPages.
	MaxMemoryPages uint32
	// WatchdogInterval is how often deadlines are checked; 0 means 5ms.
	WatchdogInterval time.Duration
	// NoDeadlines compiles guests without wazero's termination checks, so
	// a callback's deadline is not enforced: a runaway guest keeps its
	// goroutine busy forever. What it saves is the check at every loop
	// header of the guest (about 1 ns per iteration on linux/amd64, 25–45 ns
	// elsewhere: poll.go); a call into the guest costs the same either way
	// (interrupt.go). It is Envoy's own trade-off (its Wasm runtimes have
	// no deadline). Use it only for modules you trust.
	NoDeadlines bool
	// WazeroDeadlines enforces deadlines with wazero's own mechanism only: a
	// watcher goroutine per call and loop checks that go through Go (about
	// 1 µs a call and 25–45 ns a loop iteration more), relying on no wazero
	// internals. It is the escape hatch should the cheap path (interrupt.go,
	// poll.go), pinned to wazero v1.12.0, misbehave.
	WazeroDeadlines bool
}

// ErrDigestMismatch is returned by Compile when the module's sha256 is not
// the one the caller expected.
var ErrDigestMismatch = errors.New("runtime: module sha256 mismatch")

// Runtime is the process's wazero runtime.
type Runtime struct {
	log      *slog.Logger
	rt       wazero.Runtime
	cache    wazero.CompilationCache
	maxPages uint32
	wd       *watchdog
	// noDeadlines: guests were compiled without termination checks.
	noDeadlines bool
	// shimErr is why the watchdog cannot interrupt guests itself (nil: it
	// can); instances then pay wazero's goroutine per call.
	shimErr error
	// stub makes guest loop checks cheap (poll.go); nil with stubErr.
	stub    *pollStub
	stubErr error

	mu       sync.Mutex
	compiled map[string]*compileEntry
}

type compileEntry struct {
	ready chan struct{}
	c     *Compiled
	err   error
}

// Compiled is a module compiled once per digest.
type Compiled struct {
	Module wazero.CompiledModule
	SHA256 string
	// Took is how long compilation (or loading from the disk cache) took.
	Took time.Duration

	// prepare runs once, at the first instantiation, before any call:
	// interruptible is whether the watchdog interrupts its instances
	// through the shim (else through their context), poll how their loop
	// checks are made cheap.
	prepare       sync.Once
	interruptible bool
	poll          pollLayout // zero: loop checks keep wazero's trampoline
}

// New creates the runtime. Close releases it.
func New(ctx context.Context, cfg Config) (*Runtime, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	maxPages := cfg.MaxMemoryPages
	if maxPages == 0 || maxPages > 65536 {
		maxPages = DefaultMaxMemoryPages
	}
	rc := wazero.NewRuntimeConfigCompiler().
		WithCloseOnContextDone(!cfg.NoDeadlines).
		WithMemoryLimitPages(maxPages)
	var cache wazero.CompilationCache
	if cfg.CacheDir != "" {
		dir := cfg.CacheDir
		if cfg.NoDeadlines {
			// Code compiled without termination checks is kept apart
			// from code a runtime relying on them loads (wazero's key
			// includes the flag too; this keeps it visible on disk).
			dir = filepath.Join(dir, "no-deadlines")
		}
		var err error
		cache, err = wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			return nil, fmt.Errorf("runtime: compilation cache %s: %w", cfg.CacheDir, err)
		}
		rc = rc.WithCompilationCache(cache)
	}
	interval := cfg.WatchdogInterval
	if interval <= 0 {
		interval = 5 * time.Millisecond
	}
	shimErr := shimVersionOK()
	if cfg.WazeroDeadlines && shimErr == nil {
		shimErr = fmt.Errorf("%w: wazero's own deadlines chosen (WazeroDeadlines)", errNoShim)
	}
	var stub *pollStub
	stubErr := shimErr
	if !cfg.NoDeadlines {
		if shimErr != nil && !cfg.WazeroDeadlines {
			log.Warn("runtime: callback deadlines fall back to a goroutine per guest call", "err", shimErr)
		} else if shimErr == nil {
			stub, stubErr = newPollStub()
		}
	}
	return &Runtime{
		shimErr:     shimErr,
		stub:        stub,
		stubErr:     stubErr,
		log:         log,
		rt:          wazero.NewRuntimeWithConfig(ctx, rc),
		cache:       cache,
		maxPages:    maxPages,
		wd:          newWatchdog(interval, stub),
		noDeadlines: cfg.NoDeadlines,
		compiled:    map[string]*compileEntry{},
	}, nil
}

// Wazero is the underlying runtime, for registering host modules.
func (r *Runtime) Wazero() wazero.Runtime { return r.rt }

// Compile compiles wasm once per sha256 digest. If wantSHA256 (hex) is set,
// the module's digest must match it (ErrDigestMismatch).
func (r *Runtime) Compile(ctx context.Context, wasm []byte, wantSHA256 string) (*Compiled, error) {
	sum := sha256.Sum256(wasm)
	digest := hex.EncodeToString(sum[:])
	if wantSHA256 != "" && wantSHA256 != digest {
		return nil, fmt.Errorf("%w: got %s, want %s", ErrDigestMismatch, digest, wantSHA256)
	}
	r.mu.Lock()
	e, ok := r.compiled[digest]
	if !ok {
		e = &compileEntry{ready: make(chan struct{})}
		r.compiled[digest] = e
	}
	r.mu.Unlock()
	if ok {
		select {
		case <-e.ready:
			return e.c, e.err
		case <-ctx.Done():
			return nil, fmt.Errorf("runtime: compile %s: %w", digest[:12], ctx.Err())
		}
	}
	start := time.Now()
	cm, err := r.rt.CompileModule(ctx, wasm)
	if err != nil {
		e.err = fmt.Errorf("runtime: compile %s: %w", digest[:12], err)
		r.mu.Lock()
		delete(r.compiled, digest) // a later attempt may succeed (e.g. a canceled ctx)
		r.mu.Unlock()
	} else {
		e.c = &Compiled{Module: cm, SHA256: digest, Took: time.Since(start)}
		r.log.Debug("runtime: compiled module", "sha256", digest, "took", e.c.Took)
	}
	close(e.ready)
	return e.c, e.err
}

// Forget drops a compiled module from the in-memory cache and frees it. The
// caller guarantees no instance of it is alive.
func (r *Runtime) Forget(ctx context.Context, c *Compiled) error {
	r.mu.Lock()
	if e, ok := r.compiled[c.SHA256]; ok && e.c == c {
		delete(r.compiled, c.SHA256)
	}
	r.mu.Unlock()
	return c.Module.Close(ctx)
}

// Close stops the watchdog and closes every module and the runtime.
func (r *Runtime) Close(ctx context.Context) error {
	r.wd.stop()
	err := r.rt.Close(ctx)
	if r.cache != nil {
		err = errors.Join(err, r.cache.Close(ctx))
	}
	return err
}
