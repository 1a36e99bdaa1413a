package main

import (
	"log/slog"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"

	"github.com/wasmesh/wasmesh/proxy"
)

// newWasm returns the Wasm filter factory (nil until the Wasm bridge is wired in).
func newWasm(_ *flags, _ *slog.Logger, _ *corev3.Node) (proxy.WasmFactory, error) {
	return nil, nil
}
