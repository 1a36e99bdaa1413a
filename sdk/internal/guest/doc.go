// Package guest keeps the guest side of proxy-wasm: the filter's VMContext,
// the plugin, HTTP and TCP contexts the host creates, pending HTTP callouts,
// and the proxy_on_* callbacks that route host events to them.
//
// On GOOS=wasip1 the callbacks are exported with //go:wasmexport (along with
// proxy_on_memory_allocate and the proxy_abi_version_0_2_1 marker); natively
// the proxytest emulator calls the same ProxyOn* functions directly, so one
// code path serves both builds. Unknown context ids are logged and ignored,
// never a panic.
package guest
