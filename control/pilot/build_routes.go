package pilot

import (
	"strconv"

	"github.com/wasmesh/wasmesh/control/api"
)

// httpRoutes resolves a VirtualService's HTTP routes for one port of a
// sidecar (gateway "") or of a gateway ("ns/name").
func (b *builder) httpRoutes(vs *api.VirtualService, vsNS string, port uint32, gateway string) []RouteIR {
	var out []RouteIR
	for i, rule := range b.httpRules(vs, vsNS) {
		h, destNS := rule.h, rule.ns
		name := h.Name
		if name == "" {
			name = "route-" + strconv.Itoa(i)
		}
		r := RouteIR{Name: name, HTTP: h}
		for _, d := range h.Route {
			w := uint32(max(d.Weight, 0))
			if len(h.Route) == 1 {
				w = 100
			}
			if w == 0 {
				continue
			}
			r.Clusters = append(r.Clusters, WeightedCluster{Cluster: b.destination(d.Destination, destNS, port), Weight: w, Headers: d.Headers})
		}
		if h.Mirror != nil {
			pct := 100.0
			if h.MirrorPercentage != nil {
				pct = h.MirrorPercentage.Value
			} else if h.MirrorPercent != nil {
				pct = float64(*h.MirrorPercent)
			}
			r.Mirrors = append(r.Mirrors, MirrorIR{Cluster: b.destination(*h.Mirror, destNS, port), Percent: pct})
		}
		for _, m := range h.Mirrors {
			pct := 100.0
			if m.Percentage != nil {
				pct = m.Percentage.Value
			}
			r.Mirrors = append(r.Mirrors, MirrorIR{Cluster: b.destination(m.Destination, destNS, port), Percent: pct})
		}
		if len(r.Clusters) == 0 && h.Redirect == nil && h.DirectResponse == nil {
			continue
		}
		if len(h.Route) > 0 {
			r.Hash = b.consistentHash(h.Route[0].Destination, destNS, port)
		}
		if len(h.Match) == 0 {
			out = append(out, r)
			continue
		}
		for j := range h.Match {
			m := &h.Match[j]
			if m.Port != 0 && m.Port != port {
				continue
			}
			if len(m.Gateways) > 0 && !boundTo(m.Gateways, vsNS, gateway) {
				continue
			}
			if len(m.SourceLabels) > 0 && (gateway != "" || !selects(m.SourceLabels, b.node.Labels)) {
				continue
			}
			if m.SourceNamespace != "" && m.SourceNamespace != b.node.Namespace {
				continue
			}
			mr := r
			mr.Match = m
			if m.Name != "" {
				mr.Name = name + "." + m.Name
			}
			out = append(out, mr)
		}
	}
	return out
}

// destination resolves a route destination to a cluster name.
func (b *builder) destination(d api.Destination, vsNS string, port uint32) string {
	host := b.ix.fqdn(d.Host, vsNS)
	s := b.ix.services[host]
	p := port
	switch {
	case d.Port != nil && d.Port.Number != 0:
		p = d.Port.Number
	case s != nil && len(s.Ports) == 1:
		p = s.Ports[0].Number
	}
	if s == nil {
		b.warn("destination host %q is not in the registry", host)
	} else if _, ok := s.Port(p); !ok {
		b.warn("destination %s has no port %d", host, p)
	}
	if d.Subset != "" {
		if dr, _ := b.ix.destinationRule(host, b.node); !hasSubset(dr, d.Subset) {
			b.warn("destination %s subset %q is not defined by a DestinationRule", host, d.Subset)
		}
	}
	return ClusterName(Outbound, p, d.Subset, host)
}

func hasSubset(dr *api.DestinationRule, name string) bool {
	if dr == nil {
		return false
	}
	for _, s := range dr.Subsets {
		if s.Name == name {
			return true
		}
	}
	return false
}

// consistentHash returns the consistent-hash settings of a destination's
// traffic policy (subset and port level applied), if any.
func (b *builder) consistentHash(d api.Destination, vsNS string, port uint32) *api.ConsistentHashLB {
	host := b.ix.fqdn(d.Host, vsNS)
	dr, _ := b.ix.destinationRule(host, b.node)
	if dr == nil {
		return nil
	}
	if d.Port != nil && d.Port.Number != 0 {
		port = d.Port.Number
	}
	tp := mergePolicy(dr.TrafficPolicy, port)
	for _, s := range dr.Subsets {
		if s.Name == d.Subset && s.TrafficPolicy != nil {
			tp = mergeInto(tp, mergePolicy(s.TrafficPolicy, port))
		}
	}
	if tp == nil || tp.LoadBalancer == nil {
		return nil
	}
	return tp.LoadBalancer.ConsistentHash
}
