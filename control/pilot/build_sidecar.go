package pilot

import (
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
)

// sidecar builds a sidecar's outbound and inbound configuration.
func (b *builder) sidecar() {
	sc := b.ix.sidecarFor(b.node)
	mode := b.ix.mesh.OutboundTrafficPolicy
	var egress []api.IstioEgressListener
	if sc != nil {
		egress = sc.Egress
		if sc.OutboundTrafficPolicy != nil && sc.OutboundTrafficPolicy.Mode != "" {
			mode = sc.OutboundTrafficPolicy.Mode
		}
	}
	if len(egress) == 0 {
		egress = nil
	}
	services := b.ix.visibleServices(b.node, egress)
	b.outboundClusters(services)
	b.addCluster(ClusterIR{Name: BlackHoleCluster, Kind: ClusterStatic, Endpoints: []EndpointIR{}})
	catchAll := egress == nil
	for _, e := range egress {
		if e.Port == nil {
			catchAll = true
			continue
		}
		b.egressListener(e, mode)
	}
	if catchAll && b.node.Interception != "NONE" {
		b.virtualOutbound(services, mode)
	}
	var ingress []api.IstioIngressListener
	if sc != nil {
		ingress = sc.Ingress
	}
	b.inbound(ingress)
}

// egressListener is a Sidecar egress listener with a port: it binds its own
// port and sees only its hosts.
func (b *builder) egressListener(e api.IstioEgressListener, mode api.OutboundMode) {
	bind := e.Bind
	if bind == "" {
		bind = "127.0.0.1"
		if e.CaptureMode != "NONE" && b.node.Interception != "NONE" {
			bind = "0.0.0.0"
		}
	}
	port := e.Port.Number
	services := b.ix.visibleServices(b.node, []api.IstioEgressListener{e})
	b.outboundClusters(services)
	l := ListenerIR{Name: bind + "_" + strconv.Itoa(int(port)), Address: bind, Port: port, Direction: Outbound}
	proto := e.Port.Protocol
	if proto == "" {
		proto = api.ProtocolHTTP
	}
	if isHTTP(proto) {
		rt := b.outboundRoutes(l.Name, port, services, mode, true)
		b.addRoutes(rt)
		l.Chains = []ChainIR{{Name: l.Name, HTTP: &HTTPChain{StatPrefix: "outbound_" + l.Name, RouteName: rt.Name, Filters: b.httpFilters(api.WorkloadModeClient, port, nil)}}}
	} else {
		l.Chains = b.tcpChains(services, port, 0, l.Name, mode, true)
	}
	b.ir.Listeners = append(b.ir.Listeners, l)
}

// tcpTarget picks the cluster of an opaque TCP port: the first service
// with that port or, on a bound egress port (anyPort), the first service.
func (b *builder) tcpTarget(services []*registry.Service, port uint32, mode api.OutboundMode, anyPort bool) string {
	for _, s := range services {
		if _, ok := s.Port(port); ok {
			return ClusterName(Outbound, port, "", s.Hostname)
		}
	}
	if anyPort && len(services) > 0 && len(services[0].Ports) > 0 {
		if len(services) > 1 {
			b.warn("egress port %d: %d services for one TCP port; using %s", port, len(services), services[0].Hostname)
		}
		return ClusterName(Outbound, services[0].Ports[0].Number, "", services[0].Hostname)
	}
	if mode == api.AllowAny {
		return b.passthrough()
	}
	return BlackHoleCluster
}

// virtualOutbound is Istio's capture listener on 15001 with a filter chain
// per service port, matched by original destination port.
func (b *builder) virtualOutbound(services []*registry.Service, mode api.OutboundMode) {
	ports := map[uint32]api.Protocol{}
	for _, s := range services {
		for _, p := range s.Ports {
			if old, ok := ports[p.Number]; !ok || (!isHTTP(old) && isHTTP(p.Protocol)) {
				ports[p.Number] = p.Protocol
			}
		}
	}
	nums := make([]uint32, 0, len(ports))
	for p := range ports {
		nums = append(nums, p)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	l := ListenerIR{Name: VirtualOutbound, Address: "0.0.0.0", Port: OutboundCapturePort, Direction: Outbound, UseOriginalDst: true}
	for _, p := range nums {
		name := "0.0.0.0_" + strconv.Itoa(int(p))
		if isHTTP(ports[p]) {
			rt := b.outboundRoutes(strconv.Itoa(int(p)), p, services, mode, false)
			b.addRoutes(rt)
			l.Chains = append(l.Chains, ChainIR{Name: name, DestPort: p, HTTP: &HTTPChain{StatPrefix: "outbound_" + name,
				RouteName: rt.Name, Filters: b.httpFilters(api.WorkloadModeClient, p, nil)}})
			continue
		}
		l.Chains = append(l.Chains, b.tcpChains(services, p, p, name, mode, false)...)
	}
	target := BlackHoleCluster
	if mode == api.AllowAny {
		target = b.passthrough()
	}
	l.Default = &ChainIR{Name: target, TCPCluster: target}
	b.ir.Listeners = append(b.ir.Listeners, l)
}

// domains lists the names a service answers to from the proxy's namespace.
func (b *builder) domains(host string, ports []uint32, ns string) []string {
	names := []string{host}
	suffix := "." + b.ix.mesh.DomainSuffix
	if short, ok := strings.CutSuffix(host, suffix); ok { // short is name.ns
		names = append(names, short, short+".svc")
		if name, sns, ok := strings.Cut(short, "."); ok && sns == ns {
			names = append(names, name)
		}
	}
	out := make([]string, 0, (1+len(ports))*len(names))
	for _, n := range names {
		out = append(out, n)
		for _, p := range ports {
			out = append(out, net.JoinHostPort(n, strconv.Itoa(int(p))))
		}
	}
	return out
}

// outboundRoutes builds the route table of one outbound HTTP port: a
// virtual host per service (with its VirtualService routes) and a catch-all
// for unknown hosts.
func (b *builder) outboundRoutes(name string, port uint32, services []*registry.Service, mode api.OutboundMode, anyPort bool) RouteTableIR {
	rt := RouteTableIR{Name: name}
	seenAddr := map[string]bool{}
	for _, s := range services {
		sp, ok := s.Port(port)
		if !ok {
			if !anyPort || len(s.Ports) == 0 {
				continue
			}
			sp = s.Ports[0] // a bound egress port reaches every listed service on its first port
		}
		if !isHTTP(sp.Protocol) {
			continue
		}
		ports := []uint32{sp.Number}
		if anyPort && sp.Number != port {
			ports = append(ports, port)
		}
		vh := VHostIR{Name: s.Hostname + ":" + strconv.Itoa(int(sp.Number)), Domains: b.domains(s.Hostname, ports, b.node.Namespace)}
		vh.Domains = append(vh.Domains, addressDomains(s.Addresses, ports, seenAddr)...)
		if vs, vsNS := b.ix.virtualServiceFor(s.Hostname, b.node.Namespace, ""); vs != nil {
			vh.Routes = b.httpRoutes(vs, vsNS, sp.Number, "")
		}
		if len(vh.Routes) == 0 {
			vh.Routes = []RouteIR{{Name: "default", Clusters: []WeightedCluster{{Cluster: ClusterName(Outbound, sp.Number, "", s.Hostname), Weight: 100}},
				Hash: b.consistentHash(api.Destination{Host: s.Hostname, Port: &api.PortSelector{Number: sp.Number}}, s.Namespace, sp.Number)}}
		}
		rt.VHosts = append(rt.VHosts, vh)
	}
	if mode == api.AllowAny {
		rt.VHosts = append(rt.VHosts, VHostIR{Name: "allow_any", Domains: []string{"*"},
			Routes: []RouteIR{{Name: "allow_any", Clusters: []WeightedCluster{{Cluster: b.passthrough(), Weight: 100}}}}})
	} else {
		rt.VHosts = append(rt.VHosts, VHostIR{Name: "block_all", Domains: []string{"*"}, Routes: []RouteIR{{Name: "block_all", Direct: 502}}})
	}
	return rt
}

// virtualServiceFor returns the first VirtualService (namespace/name order)
// visible from ns that covers host and is bound to gateway ("" = mesh).
func (ix *Index) virtualServiceFor(host, ns, gateway string) (*api.VirtualService, string) {
	for _, c := range ix.candidates(ix.vsByHost, host) {
		vs := c.Spec.(*api.VirtualService)
		if !exported(vs.ExportTo, c.Metadata.Namespace, ns) || !boundTo(vs.Gateways, c.Metadata.Namespace, gateway) {
			continue
		}
		for _, h := range vs.Hosts {
			if hostMatches(ix.fqdn(h, c.Metadata.Namespace), host) {
				return vs, c.Metadata.Namespace
			}
		}
	}
	return nil, ""
}

// boundTo reports whether a gateways list includes gateway ("" = mesh,
// otherwise "ns/name").
func boundTo(gateways []string, vsNS, gateway string) bool {
	if gateway == "" {
		if len(gateways) == 0 {
			return true
		}
		for _, g := range gateways {
			if g == "mesh" {
				return true
			}
		}
		return false
	}
	for _, g := range gateways {
		if g == gateway || vsNS+"/"+g == gateway {
			return true
		}
	}
	return false
}

// tcpRoute picks the target of an opaque TCP port: the VirtualService tcp
// route of its service when one matches the port, else the service.
func (b *builder) tcpRoute(services []*registry.Service, port uint32, mode api.OutboundMode, anyPort bool) (string, []WeightedCluster) {
	target := b.tcpTarget(services, port, mode, anyPort)
	for _, s := range services {
		sp, ok := s.Port(port)
		if !ok {
			if !anyPort || len(s.Ports) == 0 || target != ClusterName(Outbound, s.Ports[0].Number, "", s.Hostname) {
				continue
			}
			sp = s.Ports[0]
		}
		vs, vsNS := b.ix.virtualServiceFor(s.Hostname, b.node.Namespace, "")
		if vs == nil {
			return target, nil
		}
		for _, tr := range vs.TCP {
			if !tcpMatches(tr.Match, sp.Number, b.node) {
				continue
			}
			if c, w, ok := b.l4Targets(tr.Route, vsNS, sp.Number); ok {
				return c, w
			}
		}
		return target, nil
	}
	return target, nil
}

// l4Targets resolves the destinations of a tcp or tls route: one cluster,
// or weighted clusters when several; false when none has weight.
func (b *builder) l4Targets(route []api.RouteDestination, vsNS string, port uint32) (string, []WeightedCluster, bool) {
	var out []WeightedCluster
	for _, d := range route {
		w := uint32(max(d.Weight, 0))
		if len(route) == 1 {
			w = 100
		}
		if w > 0 {
			out = append(out, WeightedCluster{Cluster: b.destination(d.Destination, vsNS, port), Weight: w})
		}
	}
	switch len(out) {
	case 0:
		return "", nil, false
	case 1:
		return out[0].Cluster, nil, true
	}
	return "", out, true
}

func tcpMatches(ms []api.L4MatchAttributes, port uint32, n Node) bool {
	if len(ms) == 0 {
		return true
	}
	for _, m := range ms {
		if (m.Port == 0 || m.Port == port) && selects(m.SourceLabels, n.Labels) &&
			(m.SourceNamespace == "" || m.SourceNamespace == n.Namespace) && len(m.Gateways) == 0 {
			return true
		}
	}
	return false
}

// passthrough adds (once) and names Istio's PassthroughCluster: the
// original destination of connections to hosts outside the registry.
func (b *builder) passthrough() string {
	b.addCluster(ClusterIR{Name: PassthroughCluster, Kind: ClusterOriginalDst, Endpoints: []EndpointIR{}})
	return PassthroughCluster
}
