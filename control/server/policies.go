package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/authz"
	"github.com/wasmesh/wasmesh/control/config"
	"github.com/wasmesh/wasmesh/control/modules"
	"github.com/wasmesh/wasmesh/control/pilot"
	"github.com/wasmesh/wasmesh/policy/compile"
)

// policies compiles Policy configs (Rego) to OPA Wasm, stores them in the
// module store and remembers the result by the policy's content, so a push
// recompiles only what changed.
type policies struct {
	store *modules.Store
	log   *slog.Logger
	mu    sync.Mutex
	cache map[string]pilot.CompiledPolicy // content hash → compiled
	errs  map[string]error                // content hash → compile error
}

func newPolicies(s *modules.Store, log *slog.Logger) *policies {
	return &policies{store: s, log: log, cache: map[string]pilot.CompiledPolicy{}, errs: map[string]error{}}
}

// compile returns the compiled policies by "namespace/name"; a policy
// that does not compile is logged and left out.
func (p *policies) compile(snap *config.Snapshot) map[string]pilot.CompiledPolicy {
	out := map[string]pilot.CompiledPolicy{}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range snap.List(api.KindPolicy) {
		spec := c.Spec.(*api.Policy)
		key := c.Metadata.Namespace + "/" + c.Metadata.Name
		req := compile.Request{Entrypoints: []string{spec.Entrypoint}}
		if spec.Rego != "" {
			req.Modules = append(req.Modules, compile.Module{File: key + ".rego", Source: spec.Rego})
		}
		for _, f := range spec.Files {
			src, ok := snap.File(f)
			if !ok {
				p.log.Warn("Policy file not readable", "policy", key, "file", f)
				continue
			}
			req.Modules = append(req.Modules, compile.Module{File: f, Source: string(src)})
		}
		if spec.Data != nil {
			d, err := json.Marshal(spec.Data)
			if err != nil {
				p.log.Warn("Policy data not JSON", "policy", key, "err", err)
				continue
			}
			req.Data = d
		}
		h := contentHash(req)
		if cp, ok := p.cache[h]; ok {
			out[key] = cp
			continue
		}
		if err, failed := p.errs[h]; failed {
			_ = err // reported when it first failed
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		pol, err := compile.Compile(ctx, req)
		cancel()
		if err != nil {
			p.errs[h] = err
			p.log.Error("Policy does not compile; not pushed", "policy", key, "err", err)
			continue
		}
		sum, err := p.store.Put(bytes.NewReader(pol.Wasm), pol.SHA256)
		if err != nil {
			p.log.Error("Policy module not stored", "policy", key, "err", err)
			continue
		}
		fields, err := json.Marshal(pol.Fields)
		if err != nil {
			continue
		}
		cp := pilot.CompiledPolicy{SHA256: sum, Fields: fields, Data: pol.Data}
		p.cache[h] = cp
		out[key] = cp
		p.log.Info("Policy compiled", "policy", key, "sha256", sum, "builtins", pol.Builtins)
	}
	return out
}

func contentHash(req compile.Request) string {
	b, _ := json.Marshal(req)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// compileRego compiles generated Rego (the AuthorizationPolicies of a
// workload, from control/authz) and stores it; results are cached by text.
func (p *policies) compileRego(rego string) (pilot.CompiledPolicy, error) {
	req := compile.Request{Modules: []compile.Module{{File: "authorization-policies.rego", Source: rego}}, Entrypoints: []string{authz.Entrypoint}}
	h := contentHash(req)
	p.mu.Lock()
	defer p.mu.Unlock()
	if cp, ok := p.cache[h]; ok {
		return cp, nil
	}
	if err, failed := p.errs[h]; failed {
		return pilot.CompiledPolicy{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pol, err := compile.Compile(ctx, req)
	if err != nil {
		p.errs[h] = err
		p.log.Error("AuthorizationPolicies do not compile", "err", err)
		return pilot.CompiledPolicy{}, err
	}
	sum, err := p.store.Put(bytes.NewReader(pol.Wasm), pol.SHA256)
	if err != nil {
		return pilot.CompiledPolicy{}, err
	}
	fields, err := json.Marshal(pol.Fields)
	if err != nil {
		return pilot.CompiledPolicy{}, err
	}
	cp := pilot.CompiledPolicy{SHA256: sum, Fields: fields, Data: pol.Data}
	p.cache[h] = cp
	p.log.Info("AuthorizationPolicies compiled", "sha256", sum)
	return cp, nil
}
