package pilot

import (
	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
)

// isTLS reports whether a port carries TLS that sidecars route by SNI
// without terminating it.
func isTLS(p api.Protocol) bool { return p == api.ProtocolTLS || p == api.ProtocolHTTPS }

// sniChains routes an outbound TLS port by the ClientHello's server name, as
// Istio does, so that one port (443) reaches each external host's own
// cluster: first a chain for the SNI hosts of each VirtualService tls route
// of those services (weighted destinations allowed), then a chain per
// service host. A name is routed by its first chain; exact names beat
// wildcards. Connections with an unknown or no SNI fall to the port's
// other chain. destPort is the capture listener's match (0 on an egress
// listener of its own port).
func (b *builder) sniChains(services []*registry.Service, port, destPort uint32, prefix string) []ChainIR {
	var out []ChainIR
	seen := map[string]bool{}
	add := func(names []string, cluster string, weighted []WeightedCluster) {
		var fresh []string
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				fresh = append(fresh, n)
			}
		}
		if len(fresh) == 0 {
			return
		}
		out = append(out, ChainIR{Name: prefix + "_" + fresh[0], DestPort: destPort, SNI: fresh, TCPCluster: cluster, TCPWeighted: weighted})
	}
	for _, s := range services {
		sp, ok := s.Port(port)
		if !ok || !isTLS(sp.Protocol) {
			continue
		}
		if vs, vsNS := b.ix.virtualServiceFor(s.Hostname, b.node.Namespace, ""); vs != nil {
			for _, tr := range vs.TLS {
				for _, m := range tr.Match {
					if !b.tlsMatches(m, port) {
						continue
					}
					var names []string
					for _, n := range m.SniHosts {
						if hostMatches(s.Hostname, n) || hostMatches(n, s.Hostname) {
							names = append(names, n)
						}
					}
					if c, w, ok := b.l4Targets(tr.Route, vsNS, port); ok && len(names) > 0 {
						add(names, c, w)
					}
				}
			}
		}
		add([]string{s.Hostname}, ClusterName(Outbound, port, "", s.Hostname), nil)
	}
	return out
}

// tlsMatches reports whether a tls route match applies to this sidecar's
// traffic on port.
func (b *builder) tlsMatches(m api.TLSMatchAttributes, port uint32) bool {
	return (m.Port == 0 || m.Port == port) && len(m.Gateways) == 0 && len(m.DestinationSubnets) == 0 &&
		selects(m.SourceLabels, b.node.Labels) && (m.SourceNamespace == "" || m.SourceNamespace == b.node.Namespace)
}

// opaque lists the services for which port is not routed by SNI.
func opaque(services []*registry.Service, port uint32) []*registry.Service {
	var out []*registry.Service
	for _, s := range services {
		if sp, ok := s.Port(port); !ok || !isTLS(sp.Protocol) {
			out = append(out, s)
		}
	}
	return out
}

// tcpChains is a non-HTTP port's chains: SNI chains for its TLS services,
// then the opaque route for everything else.
func (b *builder) tcpChains(services []*registry.Service, port, destPort uint32, name string, mode api.OutboundMode, anyPort bool) []ChainIR {
	out := b.sniChains(services, port, destPort, name)
	rest := services
	if len(out) > 0 {
		rest = opaque(services, port)
	}
	c := ChainIR{Name: name, DestPort: destPort}
	c.TCPCluster, c.TCPWeighted = b.tcpRoute(rest, port, mode, anyPort && len(out) == 0)
	return append(out, c)
}
