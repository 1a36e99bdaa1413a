// Package dual runs one filter test body twice: natively, with the filter's
// Go code on the sdk/proxytest emulator, and as the compiled .wasm module on
// wasmesh's real proxy-wasm host (wasm/host on wazero). Both halves hand the
// body a proxytest.HostEmulator, so the body is written once.
//
//	func TestHello(t *testing.T) {
//		dual.Run(t, dual.Filter{Package: ".", VMContext: &vmContext{}}, func(t *testing.T, h proxytest.HostEmulator) {
//			h.StartVM(); h.StartPlugin()
//			id := h.InitializeHttpContext()
//			...
//		})
//	}
//
// The Wasm half builds the filter itself with the Go toolchain that runs the
// test (GOOS=wasip1 GOARCH=wasm -buildmode=c-shared), once per package per
// test binary. It never skips: a missing toolchain or a failed build fails
// the test.
//
// Limits of the Wasm half, where the real host is asynchronous or has no
// test hook: Tick, GetTickPeriod and GetQueueSize fail the test (poll a
// metric instead); GetCalloutAttributesFromContext returns every pending
// call of the plugin whatever the context; CallOnHttpCallResponse returns
// once the guest resumed, answered or closed a stream, or after ten seconds.
package dual
