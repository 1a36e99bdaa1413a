package dual

import (
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
)

// Filter is the filter under test.
type Filter struct {
	// Package is the directory of the filter's main package ("." from the
	// filter's own test), compiled for the Wasm half.
	Package string
	// VMContext is the filter's VM context, run directly by the native half.
	VMContext types.VMContext
	// PluginConfiguration and VMConfiguration are the configuration buffers.
	PluginConfiguration, VMConfiguration []byte
	// Properties are the host properties the filter may read.
	Properties []Property
}

// Property is one host property: a path such as {"request", "path"} and its
// value.
type Property struct {
	Path  []string
	Value []byte
}

// Body is a test body, run once per half.
type Body func(t *testing.T, h proxytest.HostEmulator)

// Run runs body as subtests "native" and "wasm".
func Run(t *testing.T, f Filter, body Body) {
	t.Helper()
	t.Run("native", func(t *testing.T) { RunNative(t, f, body) })
	t.Run("wasm", func(t *testing.T) { RunWasm(t, f, body) })
}

// RunNative runs body with the filter's Go code on the proxytest emulator.
func RunNative(t *testing.T, f Filter, body Body) {
	opt := proxytest.NewEmulatorOption().WithVMContext(f.VMContext).
		WithPluginConfiguration(f.PluginConfiguration).WithVMConfiguration(f.VMConfiguration)
	for _, p := range f.Properties {
		opt.WithProperty(p.Path, p.Value)
	}
	h, reset := proxytest.NewHostEmulator(opt)
	defer reset()
	body(t, h)
}

// Native reports whether h is the native half's emulator. Bodies use it only
// where the real host is asynchronous (ticks, queue notifications): natively
// they happen when the test drives them, on the host some milliseconds later.
func Native(h proxytest.HostEmulator) bool {
	_, wasm := h.(*wasmHost)
	return !wasm
}

// Eventually polls cond every few milliseconds for up to ten seconds and
// fails t if it never holds.
func Eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("dual: timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
