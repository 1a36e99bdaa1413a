// Command module is the conformance guest as a proxy-wasm module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o conformance.wasm .
package main

import (
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
	"github.com/wasmesh/wasmesh/test/conformance/guest"
)

// init registers the VM context, the way filters for the wasip1 SDKs do (the
// examples use main instead; the SDK supports both).
func init() { proxywasm.SetVMContext(guest.NewVMContext()) }

func main() {}
