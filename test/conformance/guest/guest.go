// Package guest is the conformance guest: a filter built with wasmesh's SDK
// that calls every host function the SDK exposes and checks each answer. The
// module/ directory builds it as a proxy-wasm module; the conformance test
// also runs it natively through NewVMContext.
// Every check logs "conformance: ok <name>" at info level or
// "conformance: FAIL <name>: <detail>" at error level; the conformance test
// drives the guest and requires every expected check to pass.
//
// The plugin configuration selects the streams the guest handles: "http"
// (the default) or "tcp", since a context's kind is not known when the host
// creates it.
package guest

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

// The values the conformance test configures and sends.
const (
	VMConfig     = "conformance-vm-config"
	QueueName    = "conformance-queue"
	Upstream     = "conformance-upstream"
	ForeignEcho  = "conformance_reverse"
	TickCounter  = "conformance_ticks"
	LocalPath    = "/local"
	CheckHeaders = "/conformance"
)

// NewVMContext returns the guest's VM context.
func NewVMContext() types.VMContext { return &vmContext{} }

type vmContext struct{}

var _ types.VMContext = (*vmContext)(nil)

func (*vmContext) OnVMStart(size int) types.OnVMStartStatus {
	cfg, err := proxywasm.GetVMConfiguration()
	expect("vm_configuration", err == nil && string(cfg) == VMConfig && size == len(VMConfig),
		"got %q (size %d), %v", cfg, size, err)
	return types.OnVMStartStatusOK
}

func (*vmContext) NewPluginContext(id uint32) types.PluginContext { return &pluginContext{id: id} }
