package authz

import (
	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config"
)

// FromSnapshot returns the snapshot's AuthorizationPolicies.
func FromSnapshot(snap *config.Snapshot) []Named {
	var out []Named
	for _, c := range snap.List(api.KindAuthorizationPolicy) {
		if spec, ok := c.Spec.(*api.AuthorizationPolicy); ok {
			out = append(out, Named{Namespace: c.Metadata.Namespace, Name: c.Metadata.Name, Spec: spec})
		}
	}
	return out
}
