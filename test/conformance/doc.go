// Package conformance checks wasmesh's proxy-wasm host against the SDK: a
// conformance guest (guest/, built as a module from guest/module/) calls
// every host function the SDK exposes and checks each answer, and the test
// here drives it through the dual harness (dual/), natively on the SDK's
// emulator and compiled to Wasm on the real host, requiring every check to
// report ok.
package conformance
