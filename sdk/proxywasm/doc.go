// Package proxywasm is the API a wasmesh filter is written against. It
// mirrors the proxywasm package of github.com/tetratelabs/proxy-wasm-go-sdk
// (v0.24.0) function for function and uses that SDK's types package for
// contexts, actions and errors, so a filter written for it builds here by
// changing one import path. Filters are built with the standard Go toolchain:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o filter.wasm .
//
// A filter registers its VM context with [SetVMContext], from init or from
// main (the SDK runs main once before the first callback, since c-shared
// modules never run it themselves). Each context's callbacks then run when the
// host calls the matching proxy_on_* export, and may call the host through the
// functions here. The same filter compiles natively; package
// github.com/wasmesh/wasmesh/sdk/proxytest then plays the host in go test.
//
// Beyond the tetratelabs API this package exposes the v0.2.1 host functions
// that SDK leaves out: [GetLogLevel], [GetCurrentTimeNanoseconds],
// [GetBufferStatus] and [GetHeaderMapSize].
//
// The host does not say whether a new stream context is HTTP or TCP: the SDK
// asks the plugin context's NewHttpContext first and NewTcpContext if that
// returned nil, so a plugin serving both kinds decides by its configuration.
// The proxy_on_foreign_function callback (host-initiated foreign calls) is not
// exported, as in the tetratelabs SDK.
//
// Rules of the road inside a Wasm guest: callbacks run one at a time; any
// goroutine a callback starts must finish before the callback returns (the
// host does not run the guest between callbacks); the garbage collector can be
// nudged with runtime.GC in OnHttpStreamDone for memory-sensitive filters.
// Strings and slices the host returns are not copied out of the memory the
// host filled (a header map's strings all point into one block, and small
// results share a 2 KiB chunk), so a value kept for much longer than its
// request keeps that memory alive: clone it (strings.Clone, bytes.Clone) to
// keep it. Host errors are the types.Error* sentinels; functions that cannot return an
// error (metrics) log the failure through proxy_log instead of panicking.
package proxywasm
