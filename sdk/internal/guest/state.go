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

// slots is how many streams the state keeps in its array before it uses
// the map: a stream lives for one request, and an instance serves few at a
// time, so most never touch the map, whose inserts and deletes cost more
// than a scan inside the guest.
const slots = 16

type state struct {
	vm      types.VMContext
	plugins map[uint32]*plugin
	// A stream is in slot (id != 0 there) or, when every slot is taken,
	// in overflow. The host never uses context id 0.
	slot     [slots]stream
	overflow map[uint32]stream
	last     int    // the slot of the latest lookup: a stream's callbacks come in a row
	active   uint32 // the context whose callback is running
}

var st = newState()

func newState() *state {
	return &state{plugins: map[uint32]*plugin{}, overflow: map[uint32]stream{}}
}

// stream returns the stream context id.
func (s *state) stream(id uint32) (stream, bool) {
	if id == 0 {
		return stream{}, false
	}
	if s.slot[s.last].id == id {
		return s.slot[s.last], true
	}
	for i := range s.slot {
		if s.slot[i].id == id {
			s.last = i
			return s.slot[i], true
		}
	}
	if len(s.overflow) == 0 {
		return stream{}, false
	}
	c, ok := s.overflow[id]
	return c, ok
}

// addStream remembers stream c, replacing a stream of the same id.
func (s *state) addStream(c stream) {
	free := -1
	for i := range s.slot {
		switch s.slot[i].id {
		case c.id:
			s.slot[i], s.last = c, i
			return
		case 0:
			if free < 0 {
				free = i
			}
		}
	}
	if _, ok := s.overflow[c.id]; free < 0 || ok {
		s.overflow[c.id] = c
		return
	}
	s.slot[free], s.last = c, free
}

// removeStream forgets stream id, reporting whether it was one.
func (s *state) removeStream(id uint32) bool {
	for i := range s.slot {
		if s.slot[i].id == id && id != 0 {
			s.slot[i] = stream{}
			return true
		}
	}
	if _, ok := s.overflow[id]; ok {
		delete(s.overflow, id)
		return true
	}
	return false
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
