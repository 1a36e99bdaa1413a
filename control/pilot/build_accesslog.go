package pilot

import (
	"slices"

	"github.com/wasmesh/wasmesh/control/api"
)

// accessLogProvider is the one access log provider proxies have: Istio's
// built-in "envoy", Envoy's default text format on stdout.
const accessLogProvider = "envoy"

// accessLog resolves Telemetry accessLogging for one listener direction:
// the applicable resource's entries matching the direction, in order; an
// entry with disabled: true turns logging off, one naming the envoy
// provider (or none: the mesh default is envoy) turns it on.
func (b *builder) accessLog(d Direction) bool {
	c := b.telemetry(func(t *api.Telemetry) bool { return len(t.AccessLogging) > 0 })
	if c == nil {
		return false
	}
	on := false
	for _, al := range c.Spec.(*api.Telemetry).AccessLogging {
		if !modeApplies(al.Match, d, b.node.Type == RouterProxy) {
			continue
		}
		if al.Disabled != nil && *al.Disabled {
			return false
		}
		if al.Filter != nil && al.Filter.Expression != "" {
			b.warn("Telemetry %s/%s: access log filter %q is not supported; every request is logged", c.Metadata.Namespace, c.Metadata.Name, al.Filter.Expression)
		}
		if len(al.Providers) == 0 || slices.ContainsFunc(al.Providers, func(p api.ProviderRef) bool { return p.Name == accessLogProvider }) {
			on = true
		}
		for _, p := range al.Providers {
			if p.Name != accessLogProvider {
				b.warn("Telemetry %s/%s: access log provider %q is not supported (only %q, stdout)", c.Metadata.Namespace, c.Metadata.Name, p.Name, accessLogProvider)
			}
		}
	}
	return on
}

// applyAccessLog turns access logging on for the chains of every listener
// whose direction the Telemetry resource selects.
func (b *builder) applyAccessLog() {
	on := map[Direction]bool{Inbound: b.accessLog(Inbound), Outbound: b.accessLog(Outbound)}
	for i := range b.ir.Listeners {
		l := &b.ir.Listeners[i]
		if !on[l.Direction] {
			continue
		}
		for j := range l.Chains {
			l.Chains[j].AccessLog = true
		}
		if l.Default != nil {
			l.Default.AccessLog = true
		}
	}
}
