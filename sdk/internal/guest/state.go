package guest

import (
	"fmt"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/internal/hostcall"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// Callout is the function DispatchHttpCall registers for a call's response.
type Callout func(numHeaders, bodySize, numTrailers int)

type callout struct {
	fn     Callout
	caller uint32 // context that dispatched the call
}

type plugin struct {
	ctx      types.PluginContext
	callouts map[uint32]callout
}

type state struct {
	vm      types.VMContext
	plugins map[uint32]*plugin
	https   map[uint32]types.HttpContext
	tcps    map[uint32]types.TcpContext
	rootOf  map[uint32]uint32 // every context id -> its plugin context id
	active  uint32            // the context whose callback is running
}

var st = newState()

func newState() *state {
	return &state{
		plugins: map[uint32]*plugin{},
		https:   map[uint32]types.HttpContext{},
		tcps:    map[uint32]types.TcpContext{},
		rootOf:  map[uint32]uint32{},
	}
}

// SetVMContext installs the filter's VM context; the host's callbacks then
// reach it and the contexts it creates.
func SetVMContext(vm types.VMContext) { st.vm = vm }

// Reset forgets the VM context and every context and callout. The native
// emulator calls it between tests.
func Reset() { st = newState() }

// ActiveContextID returns the id of the context whose callback is running.
func ActiveContextID() uint32 { return st.active }

// RegisterCallout remembers fn for the response to HTTP call id, made by the
// active context.
func RegisterCallout(id uint32, fn Callout) {
	p := st.plugins[st.rootOf[st.active]]
	if p == nil {
		logf("guest: http call %d dispatched outside any plugin context (active %d)", id, st.active)
		return
	}
	p.callouts[id] = callout{fn: fn, caller: st.active}
}

// logf reports a misuse or a host inconsistency through proxy_log; the
// guest never panics on what the host sends.
func logf(format string, args ...any) {
	hostcall.Log(abi.LogError, fmt.Sprintf(format, args...))
}
