// Package sdk is the root of wasmesh's Go filter SDK: proxy-wasm filters
// written in standard Go (no TinyGo) and built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o filter.wasm .
//
// The API lives in [github.com/wasmesh/wasmesh/sdk/proxywasm], which mirrors
// the tetratelabs proxy-wasm Go SDK's proxywasm package and reuses its types
// package, so a filter written for that SDK builds by changing one import
// path. [github.com/wasmesh/wasmesh/sdk/proxytest] runs the same filter code
// natively in go test against an in-process host emulator.
//
// Layout:
//
//	sdk/proxywasm          public API: contexts, headers, bodies, calls, shared data, queues, metrics, ...
//	sdk/proxytest          HostEmulator for native tests
//	sdk/internal/hostcall  the raw host functions: //go:wasmimport env proxy_* on wasip1, the emulator natively
//	sdk/internal/guest     context bookkeeping and the //go:wasmexport proxy_on_* callbacks
//
// An HTTP context should embed types.DefaultHttpContext and define only the
// callbacks it acts on: the SDK tells the wasmesh host which those are (an
// optional export, ignored by other hosts), and the host skips the rest.
//
// Everything under sdk/ imports only the standard library, wasm/abi and
// github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types.
package sdk
