//go:build !wasip1

package guest_test

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/internal/guest"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct{ types.DefaultPluginContext }

func (*plugin) NewHttpContext(uint32) types.HttpContext { return &stream{} }

type stream struct{ types.DefaultHttpContext }

func (*stream) OnHttpRequestHeaders(int, bool) types.Action {
	_, _ = proxywasm.GetHttpRequestHeaders()
	return types.ActionPause
}

func (*stream) OnHttpRequestBody(size int, _ bool) types.Action {
	_, _ = proxywasm.GetHttpRequestBody(0, size)
	return types.ActionPause
}

func TestUnknownContextsAreLoggedNotFatal(t *testing.T) {
	h, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vm{}))
	defer reset()
	if a := guest.ProxyOnRequestHeaders(999, 1, 1); a != uint32(types.ActionContinue) {
		t.Errorf("unknown stream: action %d, want continue", a)
	}
	guest.ProxyOnTick(998)
	guest.ProxyOnHttpCallResponse(proxytest.PluginContextID, 77, 1, 0, 0)
	guest.ProxyOnContextCreate(50, 997)
	if guest.ProxyOnConfigure(996, 0) != 0 {
		t.Error("configure of an unknown plugin context succeeded")
	}
	errs := strings.Join(h.GetErrorLogs(), "\n")
	for _, want := range []string{"unknown http context 999", "unknown plugin context 998", "unknown http call 77",
		"unknown plugin context 997", "unknown plugin context 996"} {
		if !strings.Contains(errs, want) {
			t.Errorf("error logs lack %q:\n%s", want, errs)
		}
	}
}

func TestNoVMContext(t *testing.T) {
	h, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption())
	defer reset()
	if h.StartVM() != types.OnVMStartStatusFailed {
		t.Error("VM started without a VM context")
	}
	if logs := h.GetErrorLogs(); len(logs) == 0 || !strings.Contains(logs[0], "SetVMContext") {
		t.Errorf("error logs %q do not point at SetVMContext", logs)
	}
}

// FuzzCallbacks drives the callbacks with host-chosen ids and sizes in any
// order: the guest never panics.
func FuzzCallbacks(f *testing.F) {
	f.Add([]byte{0, 2, 1, 2, 2, 2, 3, 2, 4, 1, 5, 9})
	f.Fuzz(func(t *testing.T, script []byte) {
		_, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vm{}))
		defer reset()
		for len(script) >= 2 {
			op, id := script[0]%12, uint32(script[1]%8)
			arg := uint32(0)
			if len(script) >= 6 {
				arg = binary.LittleEndian.Uint32(script[2:6])
			}
			script = script[2:]
			switch op {
			case 0:
				guest.ProxyOnContextCreate(id, arg%3)
			case 1:
				guest.ProxyOnRequestHeaders(id, arg, arg&1)
			case 2:
				guest.ProxyOnRequestBody(id, arg, 1)
			case 3:
				guest.ProxyOnResponseHeaders(id, arg, 0)
			case 4:
				guest.ProxyOnDone(id)
			case 5:
				guest.ProxyOnLog(id)
			case 6:
				guest.ProxyOnDelete(id)
			case 7:
				guest.ProxyOnTick(id)
			case 8:
				guest.ProxyOnQueueReady(id, arg)
			case 9:
				guest.ProxyOnHttpCallResponse(id, arg, arg, arg, arg)
			case 10:
				guest.ProxyOnDownstreamData(id, arg, 0)
			case 11:
				guest.ProxyOnVMStart(id, arg)
			}
		}
	})
}

// seen records, per stream, the context id its callbacks ran with.
type seen struct {
	types.DefaultHttpContext
	id  uint32
	log *[]string
}

func (s *seen) OnHttpRequestHeaders(int, bool) types.Action {
	*s.log = append(*s.log, fmt.Sprintf("headers %d", s.id))
	return types.ActionContinue
}

func (s *seen) OnHttpStreamDone() { *s.log = append(*s.log, fmt.Sprintf("done %d", s.id)) }

type seenPlugin struct {
	types.DefaultPluginContext
	log *[]string
}

func (p *seenPlugin) NewHttpContext(id uint32) types.HttpContext { return &seen{id: id, log: p.log} }

type seenVM struct {
	types.DefaultVMContext
	log *[]string
}

func (v *seenVM) NewPluginContext(uint32) types.PluginContext { return &seenPlugin{log: v.log} }

// TestManyStreams keeps more streams open than the state has slots, and
// recreates an id: every callback reaches its own stream.
func TestManyStreams(t *testing.T) {
	var log []string
	h, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&seenVM{log: &log}))
	defer reset()
	if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
		t.Fatal("plugin did not start")
	}
	var ids []uint32
	for range 40 {
		ids = append(ids, h.InitializeHttpContext())
	}
	var want []string
	for i := len(ids) - 1; i >= 0; i -= 2 { // odd ones first, newest first
		h.CallOnRequestHeaders(ids[i], nil, true)
		h.CompleteHttpContext(ids[i])
		want = append(want, fmt.Sprintf("headers %d", ids[i]), fmt.Sprintf("done %d", ids[i]))
	}
	for i := 0; i < len(ids); i += 2 {
		h.CallOnRequestHeaders(ids[i], nil, true)
		want = append(want, fmt.Sprintf("headers %d", ids[i]))
	}
	guest.ProxyOnContextCreate(ids[0], proxytest.PluginContextID) // the same id again replaces it
	guest.ProxyOnLog(ids[0])
	want = append(want, fmt.Sprintf("done %d", ids[0]))
	guest.ProxyOnDelete(ids[0])
	if a := guest.ProxyOnRequestHeaders(ids[0], 0, 1); a != uint32(types.ActionContinue) {
		t.Errorf("deleted stream: action %d", a)
	}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Errorf("callbacks:\n%s\nwant\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
	if errs := strings.Join(h.GetErrorLogs(), "\n"); !strings.Contains(errs, fmt.Sprintf("unknown http context %d", ids[0])) || strings.Count(errs, "\n") != 0 {
		t.Errorf("error logs: %s", errs)
	}
}
