//go:build !wasip1

package guest_test

import (
	"encoding/binary"
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
