package proxywasm

import (
	"github.com/wasmesh/wasmesh/sdk/internal/hostcall"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// GetVMConfiguration returns the VM configuration; call it in OnVMStart.
func GetVMConfiguration() ([]byte, error) {
	return getBuffer(abi.BufferVMConfiguration, 0, maxBuffer)
}

// GetPluginConfiguration returns the plugin configuration; call it in
// OnPluginStart.
func GetPluginConfiguration() ([]byte, error) {
	return getBuffer(abi.BufferPluginConfiguration, 0, maxBuffer)
}

// SetTickPeriodMilliSeconds makes the host call OnTick of the calling plugin
// context every millSec milliseconds; 0 stops the ticks.
func SetTickPeriodMilliSeconds(millSec uint32) error {
	return statusToError(hostcall.SetTickPeriodMilliseconds(millSec))
}

// SetEffectiveContext makes contextID the context later host calls act on,
// e.g. to touch a stream from a plugin context's queue or tick callback.
func SetEffectiveContext(contextID uint32) error {
	return statusToError(hostcall.SetEffectiveContext(contextID))
}

// PluginDone tells the host the plugin context finished the work it was still
// doing when OnPluginDone returned false.
func PluginDone() { hostcall.Done() }

// GetCurrentTimeNanoseconds returns the host's wall clock in nanoseconds since
// the Unix epoch.
func GetCurrentTimeNanoseconds() (uint64, error) {
	t, st := hostcall.GetCurrentTimeNanoseconds()
	return t, statusToError(st)
}
