package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"

	"github.com/wasmesh/wasmesh/proxy"
	"github.com/wasmesh/wasmesh/proxy/wasmfilter"
)

// newWasm starts the Wasm host that runs envoy.filters.http.wasm filters.
func newWasm(f *flags, log *slog.Logger, node *corev3.Node) (proxy.WasmFactory, error) {
	dir := f.wasmCache
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "meshproxy-wasm")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	md := map[string]string{}
	for k, v := range node.GetMetadata().GetFields() {
		if s := v.GetStringValue(); s != "" {
			md[k] = s
		}
	}
	return wasmfilter.New(context.Background(), wasmfilter.Config{Logger: log, CacheDir: dir, NodeID: node.GetId(), NodeMetadata: md})
}
