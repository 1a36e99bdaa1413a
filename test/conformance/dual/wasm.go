package dual

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// cacheDir is wazero's compilation cache, shared by every test binary and
// run on this machine (it is keyed by module digest and wazero version), so
// each filter compiles to machine code once rather than once per test.
var cacheDir = filepath.Join(os.TempDir(), "wasmesh-dual-compilation-cache")

// RunWasm builds the filter, loads it on a fresh wasm/host Host (one
// instance, so state is deterministic) and runs body against it.
func RunWasm(t *testing.T, f Filter, body Body) {
	module := Build(t, f.Package)
	ctx := context.Background()
	w := &wasmHost{t: t, f: f, module: module, logs: &logCapture{},
		foreign: host.NewForeignRegistry(), props: map[string][]byte{}, streams: map[uint32]*wasmStream{},
		callouts: map[uint32]*pendingCall{}, events: make(chan struct{}, 64), nextID: proxytest.PluginContextID + 1}
	for _, p := range f.Properties {
		w.props[strings.Join(p.Path, "\x00")] = p.Value
	}
	h, err := host.New(ctx, host.Config{Logger: w.logs.logger(), HTTPCalls: w, Foreign: w.foreign, CacheDir: cacheDir})
	if err != nil {
		t.Fatalf("dual: host: %v", err)
	}
	w.h = h
	defer func() {
		for _, s := range w.streams {
			s.done()
		}
		if w.p != nil {
			_ = w.p.Close(ctx)
		}
		if err := h.Close(ctx); err != nil {
			t.Errorf("dual: close host: %v", err)
		}
	}()
	body(t, w)
}

// wasmHost is proxytest.HostEmulator over the real host.
type wasmHost struct {
	t       *testing.T
	f       Filter
	module  []byte
	h       *host.Host
	p       *host.Plugin
	loadErr *host.LoadError
	loaded  bool
	logs    *logCapture
	foreign *host.ForeignRegistry

	mu          sync.Mutex // guards props, callouts (touched from host goroutines)
	props       map[string][]byte
	callouts    map[uint32]*pendingCall
	nextCallout uint32
	events      chan struct{} // a stream was resumed, answered or closed

	streams map[uint32]*wasmStream
	nextID  uint32
}

var _ proxytest.HostEmulator = (*wasmHost)(nil)
var _ host.HTTPCallDispatcher = (*wasmHost)(nil)
var _ host.Properties = (*wasmHost)(nil)

// load loads the plugin once; VM start and configure failures are results,
// anything else fails the test.
func (w *wasmHost) load() {
	if w.loaded {
		return
	}
	w.loaded = true
	p, err := w.h.Load(context.Background(), host.PluginConfig{Name: "dual", RootID: "dual", VMID: "dual",
		Module: w.module, Configuration: w.f.PluginConfiguration, VMConfiguration: w.f.VMConfiguration, PoolSize: 1,
		// The harness answers http calls only when the test says so: a plugin
		// closed with one pending must not wait the default bound for it.
		DoneTimeout: 100 * time.Millisecond})
	var le *host.LoadError
	switch {
	case err == nil:
		w.p = p
	case errors.As(err, &le) && (le.Reason == host.ReasonStart || le.Reason == host.ReasonConfigure):
		w.loadErr = le
	default:
		w.t.Fatalf("dual: load %s: %v", w.f.Package, err)
	}
}

func (w *wasmHost) plugin() *host.Plugin {
	w.load()
	if w.p == nil {
		w.t.Fatalf("dual: plugin did not start: %v", w.loadErr)
	}
	return w.p
}

func (w *wasmHost) StartVM() types.OnVMStartStatus {
	w.load()
	return types.OnVMStartStatus(w.loadErr == nil || w.loadErr.Reason != host.ReasonStart)
}

func (w *wasmHost) StartPlugin() types.OnPluginStartStatus {
	w.load()
	return types.OnPluginStartStatus(w.loadErr == nil)
}

func (w *wasmHost) FinishVM() bool {
	if w.p == nil {
		return true
	}
	err := w.p.Close(context.Background())
	w.p = nil
	return err == nil
}

func (w *wasmHost) unsupported(what string) {
	w.t.Helper()
	w.t.Fatalf("dual: %s is not available on the wasm host; test it natively or poll a metric", what)
}

func (w *wasmHost) GetTickPeriod() uint32     { w.unsupported("GetTickPeriod"); return 0 }
func (w *wasmHost) Tick()                     { w.unsupported("Tick") }
func (w *wasmHost) GetQueueSize(uint32) int   { w.unsupported("GetQueueSize"); return 0 }
func (w *wasmHost) GetTraceLogs() []string    { return w.logs.get(abi.LogTrace) }
func (w *wasmHost) GetDebugLogs() []string    { return w.logs.get(abi.LogDebug) }
func (w *wasmHost) GetInfoLogs() []string     { return w.logs.get(abi.LogInfo) }
func (w *wasmHost) GetWarnLogs() []string     { return w.logs.get(abi.LogWarn) }
func (w *wasmHost) GetErrorLogs() []string    { return w.logs.get(abi.LogError) }
func (w *wasmHost) GetCriticalLogs() []string { return w.logs.get(abi.LogCritical) }

func (w *wasmHost) RegisterForeignFunction(name string, f func([]byte) []byte) {
	w.foreign.Register(name, func(_ context.Context, args []byte) ([]byte, error) { return f(args), nil })
}

// Property answers the host's property lookups for every context.
func (w *wasmHost) Property(path []string) ([]byte, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok := w.props[strings.Join(path, "\x00")]
	return v, ok
}

func (w *wasmHost) GetProperty(path []string) ([]byte, error) {
	if v, ok := w.Property(path); ok {
		return v, nil
	}
	return nil, types.ErrorStatusNotFound
}

func (w *wasmHost) SetProperty(path []string, data []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.props[strings.Join(path, "\x00")] = append([]byte{}, data...)
	return nil
}

// signal notes a stream event for CallOnHttpCallResponse to wait on.
func (w *wasmHost) signal() {
	select {
	case w.events <- struct{}{}:
	default:
	}
}

func waitEvent(c <-chan struct{}, d time.Duration) {
	select {
	case <-c:
	case <-time.After(d):
	}
}
