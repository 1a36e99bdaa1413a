package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"

	"github.com/wasmesh/wasmesh/policy/eval"
	"github.com/wasmesh/wasmesh/proxy"
	"github.com/wasmesh/wasmesh/proxy/policyfn"
	"github.com/wasmesh/wasmesh/proxy/wasmfilter"
	"github.com/wasmesh/wasmesh/wasm/fetch"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// newWasm starts the Wasm host that runs envoy.filters.http.wasm filters,
// with the policy engine behind the wasmesh.policy.* foreign functions so the
// authz filter pushed by meshd can load and evaluate policies.
func newWasm(ctx context.Context, f *flags, log *slog.Logger, node *corev3.Node, localID string) (*wasmfilter.Factory, *eval.Engine, error) {
	dir := f.wasmCache
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "meshproxy-wasm")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	engine, err := eval.New(ctx, eval.Config{Logger: log.With("component", "policy")})
	if err != nil {
		return nil, nil, err
	}
	fe, err := fetch.New(fetch.Config{CacheDir: filepath.Join(dir, "policies"), Logger: log, AllowPrivate: f.allowPrivateFetch})
	if err != nil {
		_ = engine.Close(ctx)
		return nil, nil, err
	}
	foreign := host.NewForeignRegistry()
	policyfn.New(log.With("component", "policy"), engine, fe).Register(foreign)
	w, err := wasmfilter.New(ctx, wasmfilter.Config{Logger: log, CacheDir: dir, NodeID: node.GetId(),
		NodeMetadata: wasmMetadata(node), AllowPrivateFetch: f.allowPrivateFetch, Foreign: foreign,
		LocalIdentity: localID, NoDeadlines: !f.wasmDeadlines, WazeroDeadlines: f.wasmWazeroDeadlines})
	if err != nil {
		_ = engine.Close(ctx)
		return nil, nil, err
	}
	return w, engine, nil
}

// The Wasm factory closes the plugins config changes leave unused.
var _ proxy.WasmRetainer = (*wasmfilter.Factory)(nil)
