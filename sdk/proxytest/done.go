//go:build !wasip1

package proxytest

import (
	"github.com/wasmesh/wasmesh/sdk/internal/guest"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// PluginDoneReporter tells whether the plugin context finished the work it
// was still doing when FinishVM returned false. The native emulator
// implements it; it is not part of HostEmulator, so emulators over a real
// host need not (there the host closes the instance instead).
type PluginDoneReporter interface {
	// PluginDoneCalled reports whether the plugin context called
	// proxywasm.PluginDone after FinishVM returned false.
	PluginDoneCalled() bool
}

var _ PluginDoneReporter = (*hostEmulator)(nil)

func (e *hostEmulator) FinishVM() bool {
	e.enter(PluginContextID)
	defer e.leave()
	finished := guest.ProxyOnDone(PluginContextID) != 0
	e.awaitingDone = !finished
	return finished
}

// Done is proxy_done: as on a real host, only the plugin context whose
// OnPluginDone returned false may call it, once.
func (e *hostEmulator) Done() abi.Status {
	if e.effective != PluginContextID || !e.awaitingDone {
		return abi.StatusNotFound
	}
	e.awaitingDone, e.pluginDone = false, true
	return abi.StatusOK
}

func (e *hostEmulator) PluginDoneCalled() bool { return e.pluginDone }
