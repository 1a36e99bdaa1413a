package authz

import (
	"sort"

	"github.com/wasmesh/wasmesh/control/api"
)

// Named is an AuthorizationPolicy with its identity.
type Named struct {
	Namespace, Name string
	Spec            *api.AuthorizationPolicy
}

// Select returns the policies applying to a workload in namespace ns with
// labels, sorted by namespace and name: mesh-wide policies from the root
// namespace, the namespace's own policies without a selector, and the
// namespace's policies whose selector matches. Policies attached with
// targetRef(s) apply to gateways, not to sidecars, and are left out.
func Select(all []Named, rootNamespace, ns string, labels map[string]string) []Named {
	var out []Named
	for _, p := range all {
		if p.Spec == nil || p.Spec.TargetRef != nil || len(p.Spec.TargetRefs) > 0 {
			continue
		}
		if p.Namespace != ns && p.Namespace != rootNamespace {
			continue
		}
		if sel := p.Spec.Selector; sel != nil && !matches(sel.MatchLabels, labels) {
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func matches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}
