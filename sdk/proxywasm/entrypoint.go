package proxywasm

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/internal/guest"
)

// SetVMContext sets the filter's VM context. Call it from init or main.
func SetVMContext(ctx types.VMContext) { guest.SetVMContext(ctx) }
