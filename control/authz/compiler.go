package authz

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/wasmesh/wasmesh/policy/compile"
)

// Compiler compiles sources to OPA Wasm once per distinct content. Every
// proxy of a workload kind shares the compiled policy.
type Compiler struct {
	mu    sync.Mutex
	cache map[[32]byte]*compile.Policy
}

// NewCompiler returns an empty compiler cache.
func NewCompiler() *Compiler { return &Compiler{cache: map[[32]byte]*compile.Policy{}} }

// Compile returns the compiled policy of s, from the cache when the same
// modules, data and entrypoint were compiled before.
func (c *Compiler) Compile(ctx context.Context, s Source) (*compile.Policy, error) {
	key := s.key()
	c.mu.Lock()
	p, ok := c.cache[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := compile.Compile(ctx, compile.Request{Modules: s.Modules, Data: s.Data, Entrypoints: []string{s.Entrypoint}})
	if err != nil {
		return nil, fmt.Errorf("authz: policy %s: %w", s.Name, err)
	}
	c.mu.Lock()
	c.cache[key] = p
	c.mu.Unlock()
	return p, nil
}

func (s Source) key() [32]byte {
	var b bytes.Buffer
	for _, m := range s.Modules {
		fmt.Fprintf(&b, "%d:%s%d:%s", len(m.File), m.File, len(m.Source), m.Source)
	}
	fmt.Fprintf(&b, "|%s|%s", s.Data, s.Entrypoint)
	return sha256.Sum256(b.Bytes())
}

// FilterConfig is the authz filter's plugin configuration for s compiled as
// p, whose module is served at moduleURL. It matches filters/authz's config.
func FilterConfig(s Source, p *compile.Policy, moduleURL string) ([]byte, error) {
	fields, err := json.Marshal(p.Fields)
	if err != nil {
		return nil, err
	}
	module := map[string]any{"url": moduleURL, "sha256": p.SHA256, "fields": json.RawMessage(fields)}
	if len(p.Data) > 0 && string(p.Data) != "{}" {
		module["data"] = json.RawMessage(p.Data)
	}
	cfg := map[string]any{"policy": s.Name, "entrypoint": s.Entrypoint, "module": module}
	if s.FailOpen {
		cfg["failOpen"] = true
	}
	return json.Marshal(cfg)
}
