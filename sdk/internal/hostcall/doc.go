// Package hostcall is the raw proxy-wasm ABI v0.2.1 seen from the guest:
// one Go function per host function, taking and returning byte slices and an
// [abi.Status].
//
// Built for GOOS=wasip1 each function calls its //go:wasmimport env proxy_*
// import directly, and data the host returns lands in memory the guest handed
// out from proxy_on_memory_allocate (see [Allocate]). Built natively, each
// function forwards to the [Host] installed with [SetHost] (the proxytest
// emulator); with none installed they return StatusUnimplemented.
package hostcall
