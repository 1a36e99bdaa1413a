package config

import "github.com/wasmesh/wasmesh/control/api"

// DefaultNamespace is the namespace of configs that name none.
const DefaultNamespace = "default"

// Default fills in defaults, in place and idempotently: the namespace, the
// canonical apiVersion of the kind (aliases such as v1alpha3 are accepted on
// input), and per-kind defaults (ServiceEntry location and resolution,
// AuthorizationPolicy action, WasmPlugin fail strategy, Policy entrypoint
// and fail strategy).
func Default(c *api.Config) {
	if c.Metadata.Namespace == "" {
		c.Metadata.Namespace = DefaultNamespace
	}
	if k, ok := api.LookupKind(c.Kind); ok && k.Accepts(c.APIVersion) {
		c.APIVersion = k.GVK.APIVersion()
	}
	switch s := c.Spec.(type) {
	case *api.ServiceEntry:
		if s.Location == "" {
			s.Location = api.MeshExternal
		}
		if s.Resolution == "" {
			s.Resolution = api.ResolutionNone
		}
	case *api.AuthorizationPolicy:
		if s.Action == "" {
			s.Action = api.ActionAllow
		}
	case *api.WasmPlugin:
		if s.FailStrategy == "" {
			s.FailStrategy = api.FailClose
		}
	case *api.Policy:
		if s.Entrypoint == "" {
			s.Entrypoint = api.DefaultPolicyEntrypoint
		}
		if s.FailStrategy == "" {
			s.FailStrategy = api.FailClose
		}
	}
}
