package eval_test

import (
	"context"
	"testing"

	"github.com/wasmesh/wasmesh/policy/compile"
	"github.com/wasmesh/wasmesh/policy/eval"
)

// load compiles a Rego module and loads it into a fresh engine.
func load(t testing.TB, cfg eval.Config, src, data string, entrypoints ...string) (*eval.Engine, *eval.Policy, *compile.Policy) {
	t.Helper()
	ctx := context.Background()
	c, err := compile.Compile(ctx, compile.Request{
		Modules:     []compile.Module{{File: "policy.rego", Source: src}},
		Data:        []byte(data),
		Entrypoints: entrypoints,
	})
	if err != nil {
		t.Fatal(err)
	}
	e, err := eval.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(ctx) })
	p, err := e.Load(ctx, c.Wasm, c.Data)
	if err != nil {
		t.Fatal(err)
	}
	return e, p, c
}
