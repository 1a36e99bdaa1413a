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

// stream is an HTTP or TCP context: exactly one of http and tcp is set.
type stream struct {
	id, root uint32 // its id and its plugin context's
	http     types.HttpContext
	tcp      types.TcpContext
}

type state struct {
	vm      types.VMContext
	plugins map[uint32]*plugin
	streams map[uint32]stream
	// last caches the stream of the latest lookup: a stream's callbacks
	// (headers, body, done, log, delete) come in a row, so most lookups
	// skip the map. Its id is 0 when empty; the host never uses id 0.
	last   stream
	active uint32 // the context whose callback is running
}

var st = newState()

func newState() *state {
	return &state{plugins: map[uint32]*plugin{}, streams: map[uint32]stream{}}
}

// stream returns the stream context id.
func (s *state) stream(id uint32) (stream, bool) {
	if id != 0 && s.last.id == id {
		return s.last, true
	}
	c, ok := s.streams[id]
	if ok {
		s.last = c
	}
	return c, ok
}

// rootOf returns the plugin context of context id (itself for a plugin
// context), 0 if id is unknown.
func (s *state) rootOf(id uint32) uint32 {
	if _, ok := s.plugins[id]; ok {
		return id
	}
	c, _ := s.stream(id)
	return c.root
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
	p := st.plugins[st.rootOf(st.active)]
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
