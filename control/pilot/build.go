package pilot

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
)

// Well-known names of Istio's catch-all resources.
const (
	BlackHoleCluster    = "BlackHoleCluster"
	PassthroughCluster  = "PassthroughCluster"
	VirtualOutbound     = "virtualOutbound"
	VirtualInbound      = "virtualInbound"
	OutboundCapturePort = 15001
	InboundCapturePort  = 15006
)

// ClusterName is Istio's cluster naming: "outbound|port|subset|host".
func ClusterName(dir Direction, port uint32, subset, host string) string {
	d := "outbound"
	if dir == Inbound {
		d = "inbound"
	}
	return d + "|" + strconv.FormatUint(uint64(port), 10) + "|" + subset + "|" + host
}

// builder accumulates the IR of one proxy.
type builder struct {
	ix       *Index
	node     Node
	ir       *IR
	clusters map[string]bool
	routes   map[string]bool
}

// Build translates the index for one proxy. It never fails: references that
// do not resolve become warnings in the IR.
func Build(ix *Index, n Node) *IR {
	b := &builder{ix: ix, node: n, ir: &IR{Node: n}, clusters: map[string]bool{}, routes: map[string]bool{}}
	b.filters()
	switch n.Type {
	case RouterProxy:
		b.gateway()
	default:
		b.sidecar()
	}
	b.applyTracing()
	b.applyAccessLog()
	b.applyNetworkWasm()
	b.pruneFilters()
	sort.Slice(b.ir.Clusters, func(i, j int) bool { return b.ir.Clusters[i].Name < b.ir.Clusters[j].Name })
	sort.Slice(b.ir.Routes, func(i, j int) bool { return b.ir.Routes[i].Name < b.ir.Routes[j].Name })
	sort.Slice(b.ir.Listeners, func(i, j int) bool { return b.ir.Listeners[i].Name < b.ir.Listeners[j].Name })
	return b.ir
}

// pruneFilters keeps only the Wasm filters some listener uses. A proxy asks
// ECDS for the names its listeners reference, and an ADS snapshot holding
// more than that is never answered (go-control-plane), which would leave
// the proxy's listeners waiting forever — e.g. a CLIENT-mode plugin on a
// proxy without outbound HTTP listeners.
func (b *builder) pruneFilters() {
	used := map[string]bool{}
	for _, l := range b.ir.Listeners {
		for _, c := range l.Chains {
			if c.HTTP == nil {
				continue
			}
			for _, f := range c.HTTP.Filters {
				if f.ECDS {
					used[f.Name] = true
				}
			}
		}
	}
	kept := b.ir.Filters[:0]
	for _, f := range b.ir.Filters {
		if used[f.Name] {
			kept = append(kept, f)
		}
	}
	b.ir.Filters = kept
}

func (b *builder) warn(format string, args ...any) {
	b.ir.Warnings = append(b.ir.Warnings, fmt.Sprintf(format, args...))
}

func (b *builder) addCluster(c ClusterIR) {
	if b.clusters[c.Name] {
		return
	}
	b.clusters[c.Name] = true
	b.ir.Clusters = append(b.ir.Clusters, c)
}

func (b *builder) addRoutes(rt RouteTableIR) {
	if b.routes[rt.Name] {
		return
	}
	b.routes[rt.Name] = true
	b.ir.Routes = append(b.ir.Routes, rt)
}

// isHTTP reports whether a port protocol is terminated by the HTTP
// connection manager.
func isHTTP(p api.Protocol) bool {
	switch p {
	case api.ProtocolHTTP, api.ProtocolHTTP2, api.ProtocolGRPC, api.ProtocolGRPCWeb:
		return true
	}
	return false
}

// outboundClusters adds a cluster per port and subset of every service.
func (b *builder) outboundClusters(services []*registry.Service) {
	for _, s := range services {
		dr, _ := b.ix.destinationRule(s.Hostname, b.node)
		for _, p := range s.Ports {
			b.addCluster(b.serviceCluster(s, p, dr, nil))
			if dr == nil {
				continue
			}
			for i := range dr.Subsets {
				b.addCluster(b.serviceCluster(s, p, dr, &dr.Subsets[i]))
			}
		}
	}
}

func (b *builder) serviceCluster(s *registry.Service, p registry.Port, dr *api.DestinationRule, subset *api.Subset) ClusterIR {
	c := ClusterIR{Hostname: s.Hostname, Port: p.Number, Protocol: p.Protocol, Kind: ClusterEDS, Endpoints: []EndpointIR{}}
	var sel map[string]string
	if subset != nil {
		c.Subset, sel = subset.Name, subset.Labels
	}
	c.Name = ClusterName(Outbound, p.Number, c.Subset, s.Hostname)
	switch s.Resolution {
	case api.ResolutionDNS, api.ResolutionDNSRoundRobin:
		c.Kind = ClusterStrictDNS
	case api.ResolutionNone:
		c.Kind = ClusterOriginalDst
	}
	sas := map[string]bool{}
	for _, e := range b.ix.endpoints(s.Hostname, p.Number) {
		if !selects(sel, e.Labels) {
			continue
		}
		c.Endpoints = append(c.Endpoints, EndpointIR{Address: e.Address, Port: e.Port, Weight: e.Weight, Locality: e.Locality})
		if e.ServiceAccount != "" {
			sas[spiffeID(b.ix.mesh.TrustDomain, e.Namespace, e.ServiceAccount)] = true
		}
	}
	sort.Slice(c.Endpoints, func(i, j int) bool {
		a, e := c.Endpoints[i], c.Endpoints[j]
		if a.Address != e.Address {
			return a.Address < e.Address
		}
		return a.Port < e.Port
	})
	if dr != nil {
		c.Policy = mergePolicy(dr.TrafficPolicy, p.Number)
		if subset != nil && subset.TrafficPolicy != nil {
			c.Policy = mergeInto(c.Policy, mergePolicy(subset.TrafficPolicy, p.Number))
		}
	}
	var tls *api.ClientTLSSettings
	if c.Policy != nil {
		tls = c.Policy.TLS
	}
	switch {
	case tls == nil && b.ix.mesh.EnableAutoMTLS && !s.MeshExternal:
		c.TLS = &ClientTLS{Mesh: true, SANs: sortedKeys(sas)}
	case tls == nil || tls.Mode == api.ClientTLSDisable || tls.Mode == "":
	case tls.Mode == api.ClientTLSIstioMutual:
		sans := tls.SubjectAltNames
		if len(sans) == 0 {
			sans = sortedKeys(sas)
		}
		c.TLS = &ClientTLS{Mesh: true, SNI: tls.SNI, SANs: sans}
	default:
		c.TLS = &ClientTLS{SNI: tls.SNI, SANs: tls.SubjectAltNames, CAFile: tls.CACertificates}
		if tls.Mode == api.ClientTLSMutual {
			c.TLS.CertFile, c.TLS.KeyFile = tls.ClientCertificate, tls.PrivateKey
		}
		if c.TLS.SNI == "" {
			c.TLS.SNI = s.Hostname
		}
	}
	if c.TLS != nil && c.TLS.Mesh {
		c.TLS.ALPN = []string{"istio-peer-exchange", "istio"}
	}
	return c
}

func spiffeID(td, ns, sa string) string { return "spiffe://" + td + "/ns/" + ns + "/sa/" + sa }

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// mergePolicy applies the port-level settings of tp for port.
func mergePolicy(tp *api.TrafficPolicy, port uint32) *api.TrafficPolicy {
	if tp == nil {
		return nil
	}
	out := *tp
	out.PortLevelSettings = nil
	for _, pl := range tp.PortLevelSettings {
		if pl.Port == nil || pl.Port.Number != port {
			continue
		}
		if pl.LoadBalancer != nil {
			out.LoadBalancer = pl.LoadBalancer
		}
		if pl.ConnectionPool != nil {
			out.ConnectionPool = pl.ConnectionPool
		}
		if pl.OutlierDetection != nil {
			out.OutlierDetection = pl.OutlierDetection
		}
		if pl.TLS != nil {
			out.TLS = pl.TLS
		}
	}
	return &out
}

// mergeInto overrides base with the set fields of over (subset policies).
func mergeInto(base, over *api.TrafficPolicy) *api.TrafficPolicy {
	if base == nil {
		return over
	}
	out := *base
	if over.LoadBalancer != nil {
		out.LoadBalancer = over.LoadBalancer
	}
	if over.ConnectionPool != nil {
		out.ConnectionPool = over.ConnectionPool
	}
	if over.OutlierDetection != nil {
		out.OutlierDetection = over.OutlierDetection
	}
	if over.TLS != nil {
		out.TLS = over.TLS
	}
	return &out
}
