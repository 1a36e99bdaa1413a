// Package abi holds the proxy-wasm ABI v0.2.1 as Go names: status codes,
// enums, the host function and callback names, and the wire encoding of
// header maps and property paths.
//
// It imports only the standard library so that both the host (wasm/host,
// running natively) and the SDK (sdk/, running inside GOOS=wasip1 guests)
// share one definition of the ABI.
package abi
