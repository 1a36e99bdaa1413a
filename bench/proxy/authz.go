package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/wasmesh/wasmesh/policy/compile"
)

// benchPolicy lets GET through and denies the rest: wrk's requests are all
// allowed, and the decision cache (keyed by the method, the one field the
// policy reads) answers after the first, the steady state of a mesh.
const benchPolicy = `package wasmesh.authz

default allow := {"allow": false, "status": 403, "reason": "only GET"}

allow := {"allow": true} if input.request.method == "GET"
`

// authzConfig compiles benchPolicy into dir and returns the authz filter's
// configuration loading it, as meshd would send it (module by file URL).
func authzConfig(dir string) (string, error) {
	p, err := compile.Compile(context.Background(), compile.Request{Modules: []compile.Module{{File: "bench.rego", Source: benchPolicy}},
		Entrypoints: []string{"wasmesh/authz/allow"}})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bench-policy.wasm")
	if err := os.WriteFile(path, p.Wasm, 0o644); err != nil {
		return "", err
	}
	fields, err := json.Marshal(p.Fields)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(map[string]any{"policy": "bench", "module": map[string]any{
		"url": "file://" + path, "sha256": p.SHA256, "fields": json.RawMessage(fields), "data": json.RawMessage(p.Data)}})
	return string(b), err
}
