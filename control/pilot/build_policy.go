package pilot

import (
	"encoding/json"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/authz"
)

// policyFilters adds an AUTHZ-phase authz filter per Policy selecting the
// proxy: the authz module from meshd's store, configured with the compiled
// policy's digest, the input fields it reads and its data.
func (b *builder) policyFilters() {
	for _, c := range b.ix.configs(api.KindPolicy) {
		p := c.Spec.(*api.Policy)
		root := c.Metadata.Namespace == b.ix.mesh.RootNamespace
		if c.Metadata.Namespace != b.node.Namespace && !root {
			continue
		}
		if p.Selector != nil && !selects(p.Selector.MatchLabels, b.node.Labels) {
			continue
		}
		key := c.Metadata.Namespace + "/" + c.Metadata.Name
		authz := b.ix.mesh.AuthzFilterSHA256
		if authz == "" {
			b.warn("Policy %s: meshd has no authz filter module (--authz-filter), the policy is not enforced", key)
			continue
		}
		compiled, ok := b.ix.in.Policies[key]
		if !ok {
			b.warn("Policy %s: not compiled (see meshd's log)", key)
			continue
		}
		url, cluster, ok := b.storedModule(authz)
		if !ok {
			continue
		}
		policyURL, _, _ := b.storedModule(compiled.SHA256)
		module := map[string]any{"url": policyURL, "sha256": compiled.SHA256}
		if len(compiled.Fields) > 0 {
			module["fields"] = json.RawMessage(compiled.Fields)
		}
		if len(compiled.Data) > 0 {
			module["data"] = json.RawMessage(compiled.Data)
		}
		cfg := map[string]any{"policy": key, "entrypoint": p.Entrypoint, "module": module}
		if p.FailStrategy == api.FailOpen {
			cfg["failOpen"] = true
		}
		f := WasmFilterIR{Name: c.Metadata.Namespace + ".policy." + c.Metadata.Name, Phase: api.PhaseAuthz, URL: url,
			SHA256: authz, Config: cfg, Cluster: cluster, Modes: []api.WorkloadMode{api.WorkloadModeServer}}
		if len(p.Match) > 0 {
			f.Modes = nil
		}
		for _, m := range p.Match {
			if m.Mode != "" && m.Mode != api.WorkloadModeUnspecified && m.Mode != "UNDEFINED" {
				f.Modes = append(f.Modes, m.Mode)
			}
			for _, port := range m.Ports {
				f.Ports = append(f.Ports, port.Number)
			}
		}
		b.ir.Filters = append(b.ir.Filters, f)
	}
}

// storedModule is where proxies get a module meshd stores: a local file
// (single-host mode) or meshd's module URL, with the cluster to fetch it.
func (b *builder) storedModule(sha string) (url, cluster string, ok bool) {
	if dir := b.ix.mesh.LocalModuleDir; dir != "" {
		return "file://" + strings.TrimSuffix(dir, "/") + "/" + sha + ".wasm", "", true
	}
	if b.ix.mesh.ModuleBaseURL == "" {
		b.warn("module %s: meshd has no module URL", sha)
		return "", "", false
	}
	url = strings.TrimSuffix(b.ix.mesh.ModuleBaseURL, "/") + "/" + sha
	cluster, ok = b.urlCluster("wasm", url)
	return url, cluster, ok
}

// AuthorizationPoliciesFilter is the ECDS name of the filter enforcing the
// AuthorizationPolicies of a workload.
const AuthorizationPoliciesFilter = "wasmesh.authorization-policies"

// authorizationPolicies enforces the AuthorizationPolicies selecting the
// workload: they become one Rego module (control/authz), compiled by the
// runner, evaluated by the authz filter in the AUTHZ phase.
func (b *builder) authorizationPolicies() {
	if b.node.Type != SidecarProxy {
		return
	}
	named := authz.Select(b.ix.authz, b.ix.mesh.RootNamespace, b.node.Namespace, b.node.Labels)
	if len(named) == 0 {
		return
	}
	rego, problems := authz.Rego(named)
	for _, p := range problems {
		b.warn("%s", p.Error())
	}
	if b.ix.mesh.AuthzFilterSHA256 == "" || b.ix.in.CompileRego == nil {
		b.warn("%d AuthorizationPolicies select this workload but meshd has no authz filter module (--authz-filter): not enforced", len(named))
		return
	}
	compiled, err := b.ix.in.CompileRego(rego)
	if err != nil {
		b.warn("AuthorizationPolicies of this workload do not compile: %v", err)
		return
	}
	url, cluster, ok := b.storedModule(b.ix.mesh.AuthzFilterSHA256)
	if !ok {
		return
	}
	policyURL, _, _ := b.storedModule(compiled.SHA256)
	module := map[string]any{"url": policyURL, "sha256": compiled.SHA256}
	if len(compiled.Fields) > 0 {
		module["fields"] = json.RawMessage(compiled.Fields)
	}
	cfg := map[string]any{"policy": "authorization-policies/" + compiled.SHA256[:16], "entrypoint": authz.Entrypoint, "module": module}
	b.ir.Filters = append(b.ir.Filters, WasmFilterIR{Name: AuthorizationPoliciesFilter, Phase: api.PhaseAuthz, Priority: -1000,
		URL: url, SHA256: b.ix.mesh.AuthzFilterSHA256, Config: cfg, Cluster: cluster, Modes: []api.WorkloadMode{api.WorkloadModeServer}})
}
