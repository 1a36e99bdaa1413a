//go:build !wasip1

package proxytest

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

type busyVM struct{ types.DefaultVMContext }

func (*busyVM) NewPluginContext(uint32) types.PluginContext { return &busyPlugin{} }

// busyPlugin is still busy when asked to finish and finishes on its next tick.
type busyPlugin struct{ types.DefaultPluginContext }

func (*busyPlugin) OnPluginDone() bool { return false }
func (*busyPlugin) OnTick()            { proxywasm.PluginDone() }

// TestFinishVMThenPluginDone: proxy_done is accepted from the plugin
// context once, after FinishVM returned false, as on a real host.
func TestFinishVMThenPluginDone(t *testing.T) {
	h, reset := NewHostEmulator(NewEmulatorOption().WithVMContext(&busyVM{}))
	defer reset()
	e := h.(*hostEmulator)
	e.effective = PluginContextID
	if st := e.Done(); st != abi.StatusNotFound {
		t.Errorf("proxy_done before FinishVM: %v, want NOT_FOUND", st)
	}
	if h.FinishVM() {
		t.Fatal("FinishVM returned true for a busy plugin")
	}
	r := h.(PluginDoneReporter)
	if r.PluginDoneCalled() {
		t.Fatal("PluginDone reported before the plugin called it")
	}
	h.Tick()
	if !r.PluginDoneCalled() {
		t.Fatal("PluginDone from OnTick not seen")
	}
	e.effective = PluginContextID
	if st := e.Done(); st != abi.StatusNotFound {
		t.Errorf("second proxy_done: %v, want NOT_FOUND", st)
	}
}

// TestFinishVMDefault: a plugin that is not busy finishes at once.
func TestFinishVMDefault(t *testing.T) {
	h, reset := NewHostEmulator(NewEmulatorOption().WithVMContext(&vm{}))
	defer reset()
	if !h.FinishVM() || h.(PluginDoneReporter).PluginDoneCalled() {
		t.Fatal("default plugin: FinishVM false or PluginDone reported")
	}
}
