package authz

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config"
	"github.com/wasmesh/wasmesh/policy/compile"
)

// Source is one policy the authz filter enforces at a workload: a Policy
// resource, or the Rego generated from the AuthorizationPolicies that apply.
// Each becomes one authz filter; a request must pass all of them.
type Source struct {
	// Name registers the compiled policy in the proxy's engine.
	Name       string
	Modules    []compile.Module
	Data       []byte // JSON object, nil for none
	Entrypoint string
	FailOpen   bool
}

// Workload says which workload the sources are for.
type Workload struct {
	Namespace string
	Labels    map[string]string
	// RootNamespace holds mesh-wide policies (Istio's istio-system).
	RootNamespace string
}

// Sources returns the policies to enforce at w, AuthorizationPolicies first
// (Istio's order puts built-in authorization before extensions), then
// Policy resources by namespace and name. Problems are translation issues
// worth reporting; the sources are safe to enforce regardless.
func Sources(snap *config.Snapshot, w Workload) ([]Source, []Problem, error) {
	var named []Named
	for _, c := range snap.List("AuthorizationPolicy") {
		if spec, ok := c.Spec.(*api.AuthorizationPolicy); ok {
			named = append(named, Named{Namespace: c.Metadata.Namespace, Name: c.Metadata.Name, Spec: spec})
		}
	}
	var out []Source
	var problems []Problem
	if sel := Select(named, w.RootNamespace, w.Namespace, w.Labels); len(sel) > 0 {
		src, ps := Rego(sel)
		problems = ps
		sum := sha256.Sum256([]byte(src))
		out = append(out, Source{
			Name:       "authorizationpolicies/" + hex.EncodeToString(sum[:8]),
			Modules:    []compile.Module{{File: w.Namespace + "/authorizationpolicies.rego", Source: src}},
			Entrypoint: Entrypoint,
		})
	}
	policies := snap.List("Policy")
	sort.Slice(policies, func(i, j int) bool {
		a, b := policies[i].Metadata, policies[j].Metadata
		return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
	})
	for _, c := range policies {
		p, ok := c.Spec.(*api.Policy)
		if !ok || !policyApplies(c.Metadata.Namespace, p, w) {
			continue
		}
		src, err := policySource(snap, c.Metadata, p)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, src)
	}
	return out, problems, nil
}

func policyApplies(ns string, p *api.Policy, w Workload) bool {
	if ns != w.Namespace && ns != w.RootNamespace {
		return false
	}
	if p.Selector != nil && !matches(p.Selector.MatchLabels, w.Labels) {
		return false
	}
	if len(p.Match) == 0 {
		return true // default SERVER: the inbound side, where sources are
	}
	for _, m := range p.Match {
		if m.Mode == "" || m.Mode == api.WorkloadMode("SERVER") || m.Mode == api.WorkloadMode("CLIENT_AND_SERVER") {
			return true
		}
	}
	return false
}

func policySource(snap *config.Snapshot, meta api.ObjectMeta, p *api.Policy) (Source, error) {
	s := Source{
		Name:       meta.Namespace + "/" + meta.Name,
		Entrypoint: p.Entrypoint,
		FailOpen:   p.FailStrategy == api.FailOpen,
	}
	if s.Entrypoint == "" {
		s.Entrypoint = api.DefaultPolicyEntrypoint
	}
	if p.Rego != "" {
		s.Modules = append(s.Modules, compile.Module{File: fmt.Sprintf("%s/%s.rego", meta.Namespace, meta.Name), Source: p.Rego})
	}
	for _, f := range p.Files {
		b, ok := snap.File(f)
		if !ok {
			return s, fmt.Errorf("authz: Policy %s: file %q is not in the config snapshot", s.Name, f)
		}
		s.Modules = append(s.Modules, compile.Module{File: f, Source: string(b)})
	}
	if p.Data != nil {
		b, err := json.Marshal(p.Data)
		if err != nil {
			return s, fmt.Errorf("authz: Policy %s: data: %w", s.Name, err)
		}
		s.Data = b
	}
	return s, nil
}
