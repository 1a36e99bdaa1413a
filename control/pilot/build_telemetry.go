package pilot

import "github.com/wasmesh/wasmesh/control/api"

// telemetry picks the Telemetry resource that applies to the proxy for one
// kind of setting (has says whether a resource sets it), as Istio does: a
// selector match in the proxy's namespace, else the namespace-wide
// resource, else the mesh-wide one in the root namespace. Nil when none.
func (b *builder) telemetry(has func(*api.Telemetry) bool) *api.Config {
	var specific, nsWide, rootWide *api.Config
	for _, c := range b.ix.configs(api.KindTelemetry) {
		t := c.Spec.(*api.Telemetry)
		if !has(t) {
			continue
		}
		scoped := (t.Selector != nil && len(t.Selector.MatchLabels) > 0) || t.TargetRef != nil || len(t.TargetRefs) > 0
		switch {
		case c.Metadata.Namespace == b.node.Namespace && scoped:
			if specific == nil && t.Selector != nil && selects(t.Selector.MatchLabels, b.node.Labels) {
				specific = c
			}
		case c.Metadata.Namespace == b.node.Namespace && nsWide == nil:
			nsWide = c
		case c.Metadata.Namespace == b.ix.mesh.RootNamespace && !scoped && rootWide == nil:
			rootWide = c
		}
	}
	for _, c := range []*api.Config{specific, nsWide, rootWide} {
		if c != nil {
			return c
		}
	}
	return nil
}

// modeApplies says whether a Telemetry match selects traffic of a listener
// direction. Istio counts a gateway's traffic as CLIENT.
func modeApplies(m *api.TelemetryMatch, d Direction, gateway bool) bool {
	if m == nil {
		return true
	}
	client := gateway || d == Outbound
	switch m.Mode {
	case api.WorkloadModeClient:
		return client
	case api.WorkloadModeServer:
		return !client
	}
	return true // CLIENT_AND_SERVER, UNSPECIFIED
}
