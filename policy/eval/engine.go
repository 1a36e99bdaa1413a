package eval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/wasmesh/wasmesh/policy/cache"
)

// Config configures an Engine. Zero fields take defaults.
type Config struct {
	// Logger receives opa_println output and instance replacements.
	Logger *slog.Logger
	// Instances is the size of each policy's instance pool (default GOMAXPROCS).
	Instances int
	// MemoryLimitPages bounds each instance's linear memory in 64 KiB pages
	// (default 1024, i.e. 64 MiB).
	MemoryLimitPages uint32
	// Cache sizes the decision cache used by ForeignFunc.
	Cache cache.Config
	// Now is the clock behind time.now_ns (default time.Now).
	Now func() time.Time
	// Interruptible makes evaluations stop when their context is done
	// (wazero's close-on-context-done). It costs: every loop iteration of
	// the guest checks for termination, which made a policy with glob.match
	// about 7 times slower here (see docs/benchmarks.md). Without
	// it a context deadline is only checked between evaluations; Rego
	// always terminates and MemoryLimitPages bounds how much an evaluation
	// can build, so leave it off for policies from the mesh operator and
	// turn it on for policies from less trusted authors.
	Interruptible bool
	// Interpret runs policies in wazero's interpreter instead of compiling
	// them to machine code: loading is much faster, evaluation much
	// slower. For one-off uses such as policy/compile's checks.
	Interpret bool
}

// Engine owns a wazero runtime, the policies loaded into it and the
// decision cache. It is safe for concurrent use.
type Engine struct {
	cfg       Config
	rt        wazero.Runtime
	decisions *cache.Cache[[]byte]

	mu       sync.Mutex
	compiled map[[32]byte]*compiledModule // shared by the policies loaded from the same bytes
	closed   bool

	loads    atomic.Uint64                          // generations of loaded policies
	registry atomic.Pointer[map[string]*registered] // by name and by sha256; copy on write
	regMu    sync.Mutex
	names    map[string]*registered // by name only, under regMu
}

// New starts an engine.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Instances <= 0 {
		cfg.Instances = runtime.GOMAXPROCS(0)
	}
	if cfg.MemoryLimitPages == 0 {
		cfg.MemoryLimitPages = 1024
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	rc := wazero.NewRuntimeConfig()
	if cfg.Interpret {
		rc = wazero.NewRuntimeConfigInterpreter()
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc.
		WithCloseOnContextDone(cfg.Interruptible).
		WithMemoryLimitPages(cfg.MemoryLimitPages))
	e := &Engine{
		cfg:       cfg,
		rt:        rt,
		decisions: cache.New[[]byte](cfg.Cache),
		compiled:  map[[32]byte]*compiledModule{},
	}
	e.registry.Store(&map[string]*registered{})
	if err := e.instantiateHost(ctx); err != nil {
		_ = rt.Close(ctx)
		return nil, err
	}
	return e, nil
}

// Close releases the runtime and every policy loaded into it.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	return e.rt.Close(ctx)
}

// CacheStats returns the decision cache's counters.
func (e *Engine) CacheStats() cache.Stats { return e.decisions.Stats() }

// Load compiles (once per digest) and instantiates an OPA Wasm policy with
// its data document (JSON; nil means {}). It fails with
// UnsupportedBuiltinError when the module imports a builtin that Builtins
// does not list.
func (e *Engine) Load(ctx context.Context, wasm, data []byte) (*Policy, error) {
	sum := sha256.Sum256(wasm)
	mod, err := e.compile(ctx, sum, wasm)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		data = []byte("{}")
	}
	p := &Policy{
		e:      e,
		sha:    hex.EncodeToString(sum[:]),
		sum:    sum,
		gen:    e.loads.Add(1),
		mod:    mod,
		data:   append([]byte(nil), data...),
		pool:   make(chan *instance, e.cfg.Instances),
		logger: e.cfg.Logger.With("policy", hex.EncodeToString(sum[:6])),
	}
	if err := p.prepare(ctx); err != nil {
		if p.env != nil {
			_ = p.env.Close(ctx)
		}
		e.release(ctx, sum)
		return nil, err
	}
	return p, nil
}

// compiledModule is a compiled policy module and how many policies use it.
type compiledModule struct {
	mod  wazero.CompiledModule
	refs int
}

func (e *Engine) compile(ctx context.Context, sum [32]byte, wasm []byte) (wazero.CompiledModule, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	if m, ok := e.compiled[sum]; ok {
		m.refs++
		return m.mod, nil
	}
	m, err := e.rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidModule, err)
	}
	if err := checkImports(m); err != nil {
		_ = m.Close(ctx)
		return nil, err
	}
	e.compiled[sum] = &compiledModule{mod: m, refs: 1}
	return m, nil
}

// release drops one reference to a compiled module, closing it with the last.
func (e *Engine) release(ctx context.Context, sum [32]byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.compiled[sum]
	if !ok {
		return
	}
	if m.refs--; m.refs == 0 {
		delete(e.compiled, sum)
		_ = m.mod.Close(ctx)
	}
}

// checkImports accepts only modules whose imports are the OPA ABI's.
func checkImports(m wazero.CompiledModule) error {
	known := map[string]bool{}
	for _, f := range hostImports {
		known[f.name] = true
	}
	for _, f := range m.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod != "env" || !known[name] {
			return fmt.Errorf("%w: unexpected import %s.%s", ErrInvalidModule, mod, name)
		}
	}
	mems := m.ImportedMemories()
	if len(mems) != 1 {
		return fmt.Errorf("%w: want one imported memory, have %d", ErrInvalidModule, len(mems))
	}
	if mod, name, _ := mems[0].Import(); mod != "env" || name != "memory" {
		return fmt.Errorf("%w: memory imported as %s.%s, want env.memory", ErrInvalidModule, mod, name)
	}
	return nil
}
