// Command sharedcounter counts requests across every instance of its VM in
// shared data, updating the count with compare-and-swap, and reports the
// count in an x-request-count response header.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o sharedcounter.wasm .
package main

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

const key = "sharedcounter/requests"

func main() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct{ types.DefaultPluginContext }

func (*pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{} }

type httpContext struct {
	types.DefaultHttpContext
	count uint64
}

// increment adds one to the shared counter, retrying when another instance
// wrote in between.
func increment() (uint64, error) {
	for range 16 {
		data, cas, err := proxywasm.GetSharedData(key)
		var n uint64
		switch {
		case errors.Is(err, types.ErrorStatusNotFound):
		case err != nil:
			return 0, err
		case len(data) == 8:
			n = binary.LittleEndian.Uint64(data)
		}
		n++
		err = proxywasm.SetSharedData(key, binary.LittleEndian.AppendUint64(nil, n), cas)
		if errors.Is(err, types.ErrorStatusCasMismatch) {
			continue
		}
		return n, err
	}
	return 0, errors.New("sharedcounter: too much contention")
}

func (h *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	n, err := increment()
	if err != nil {
		proxywasm.LogErrorf("sharedcounter: %v", err)
	}
	h.count = n
	return types.ActionContinue
}

func (h *httpContext) OnHttpResponseHeaders(int, bool) types.Action {
	if err := proxywasm.ReplaceHttpResponseHeader("x-request-count", strconv.FormatUint(h.count, 10)); err != nil {
		proxywasm.LogErrorf("sharedcounter: set header: %v", err)
	}
	return types.ActionContinue
}
