// Package proxytest runs a filter's Go code natively, in go test, against an
// in-process emulation of a proxy-wasm host. It follows the proxytest package
// of the tetratelabs proxy-wasm Go SDK: build an [EmulatorOption] with the
// filter's VM context and configuration, call [NewHostEmulator], drive the
// plugin (StartVM, StartPlugin, Tick), HTTP streams (InitializeHttpContext,
// CallOnRequestHeaders, CallOnRequestBody, ..., CompleteHttpContext) and TCP
// streams, and read back what the filter did: mutated headers and bodies,
// local responses, logs, metrics, HTTP callouts, queues, properties.
//
// The filter runs through the real SDK code path (map and property encoding
// included); only the host side of each host call is emulated. Shared queue
// notifications are delivered to the registering plugin context right after
// the callback that enqueued returns, as a proxy would.
//
// The SDK's guest state is process-wide, so NewHostEmulator holds a lock that
// its reset function releases: emulators in one test binary run one at a
// time, and a HostEmulator is for use from one goroutine.
//
// The package is empty when built for GOOS=wasip1.
package proxytest
