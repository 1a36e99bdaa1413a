package pilot

import (
	"net"
	"strconv"

	"github.com/wasmesh/wasmesh/control/api"
)

// inbound builds the listeners and clusters receiving traffic for the
// workload: one per Sidecar ingress port, else Istio's capture listener on
// 15006 with a chain per workload port.
func (b *builder) inbound(ingress []api.IstioIngressListener) {
	for _, in := range ingress {
		if in.Port == nil {
			continue
		}
		port := in.Port.Number
		bind := in.Bind
		if bind == "" {
			bind = "0.0.0.0"
			if in.CaptureMode == "NONE" || b.node.Interception == "NONE" {
				bind = b.node.IP()
				b.ir.DependsOnIP = true
			}
		}
		target := in.DefaultEndpoint
		if target == "" {
			tp := in.Port.TargetPort
			if tp == 0 {
				tp = port
			}
			target = net.JoinHostPort("127.0.0.1", strconv.Itoa(int(tp)))
		}
		cluster, ok := b.inboundCluster(port, target)
		if !ok {
			continue
		}
		name := bind + "_" + strconv.Itoa(int(port))
		l := ListenerIR{Name: "inbound_" + name, Address: bind, Port: port, Direction: Inbound}
		l.Chains = b.inboundChains(name, port, 0, in.Port.Protocol, cluster)
		b.ir.Listeners = append(b.ir.Listeners, l)
	}
	if len(ingress) > 0 || b.node.Interception == "NONE" || len(b.node.Ports) == 0 {
		return
	}
	l := ListenerIR{Name: VirtualInbound, Address: "0.0.0.0", Port: InboundCapturePort, Direction: Inbound, UseOriginalDst: true}
	for _, p := range b.node.Ports {
		cluster, ok := b.inboundCluster(p.Number, net.JoinHostPort("127.0.0.1", strconv.Itoa(int(p.Number))))
		if !ok {
			continue
		}
		l.Chains = append(l.Chains, b.inboundChains("0.0.0.0_"+strconv.Itoa(int(p.Number)), p.Number, p.Number, p.Protocol, cluster)...)
	}
	l.Default = &ChainIR{Name: BlackHoleCluster, TCPCluster: BlackHoleCluster}
	b.ir.Listeners = append(b.ir.Listeners, l)
}

// inboundCluster adds the static cluster delivering to the application. Its
// name carries the service the port serves (inbound|port||host, as Istio
// named it), which is how the proxy answers the destination.service property
// for requests that named the workload by address.
func (b *builder) inboundCluster(port uint32, target string) (string, bool) {
	host, ps, err := net.SplitHostPort(target)
	tp, perr := strconv.Atoi(ps)
	if err != nil || perr != nil || tp < 1 || tp > 65535 {
		b.warn("inbound port %d: bad default endpoint %q", port, target)
		return "", false
	}
	name := ClusterName(Inbound, port, "", b.ix.inboundHost(b.node.IP(), port))
	b.addCluster(ClusterIR{Name: name, Kind: ClusterStatic, Port: port, Endpoints: []EndpointIR{{Address: host, Port: uint32(tp)}}})
	return name, true
}

// inboundChains returns the chains of one inbound port for its mTLS mode:
// STRICT (TLS only), PERMISSIVE (TLS and plaintext) or DISABLE.
func (b *builder) inboundChains(name string, port, destPort uint32, proto api.Protocol, cluster string) []ChainIR {
	base := ChainIR{Name: "inbound_" + name, DestPort: destPort}
	if isHTTP(proto) || proto == "" {
		base.HTTP = &HTTPChain{StatPrefix: "inbound_" + name, Filters: b.httpFilters(api.WorkloadModeServer, port, b.jwtProviders()),
			Inline: &RouteTableIR{Name: "inbound|" + strconv.Itoa(int(port)) + "||", VHosts: []VHostIR{{Name: "inbound|http|" + strconv.Itoa(int(port)),
				Domains: []string{"*"}, Routes: []RouteIR{{Name: "default", Clusters: []WeightedCluster{{Cluster: cluster, Weight: 100}}}}}}}}
	} else {
		base.TCPCluster = cluster
	}
	mtls := &ServerTLS{Mesh: true, RequireClientCert: true, ALPN: []string{"istio-peer-exchange", "istio", "h2", "http/1.1"}}
	switch b.mtlsMode(port) {
	case api.MTLSStrict:
		c := base
		c.TLS = mtls
		return []ChainIR{c}
	case api.MTLSDisable:
		return []ChainIR{base}
	}
	tlsChain, plain := base, base
	tlsChain.Name += "_tls"
	tlsChain.TransportProtocol, tlsChain.TLS = "tls", mtls
	plain.TransportProtocol = "raw_buffer"
	return []ChainIR{tlsChain, plain}
}

// mtlsMode resolves PeerAuthentication for a workload port: workload
// selector in the namespace, then namespace-wide, then mesh-wide; a port
// level mode overrides; UNSET inherits; the default is PERMISSIVE.
func (b *builder) mtlsMode(port uint32) api.MTLSMode {
	var workload, namespace, mesh *api.PeerAuthentication
	for _, c := range b.ix.configs(api.KindPeerAuthentication) {
		pa := c.Spec.(*api.PeerAuthentication)
		hasSel := pa.Selector != nil && len(pa.Selector.MatchLabels) > 0
		switch {
		case c.Metadata.Namespace == b.node.Namespace && hasSel:
			if workload == nil && selects(pa.Selector.MatchLabels, b.node.Labels) {
				workload = pa
			}
		case c.Metadata.Namespace == b.node.Namespace && namespace == nil:
			namespace = pa
		case c.Metadata.Namespace == b.ix.mesh.RootNamespace && !hasSel && mesh == nil:
			mesh = pa
		}
	}
	for _, pa := range []*api.PeerAuthentication{workload, namespace, mesh} {
		if pa == nil {
			continue
		}
		if m, ok := pa.PortLevelMTLS[port]; ok && m.Mode != "" && m.Mode != api.MTLSUnset && pa == workload {
			return m.Mode
		}
		if pa.MTLS != nil && pa.MTLS.Mode != "" && pa.MTLS.Mode != api.MTLSUnset {
			return pa.MTLS.Mode
		}
	}
	return api.MTLSPermissive
}

// jwtProviders collects the RequestAuthentication rules selecting the
// workload (its namespace's, and the mesh-wide ones of the root namespace).
func (b *builder) jwtProviders() []JWTProviderIR {
	var out []JWTProviderIR
	for _, c := range b.ix.configs(api.KindRequestAuthentication) {
		ra := c.Spec.(*api.RequestAuthentication)
		hasSel := ra.Selector != nil && len(ra.Selector.MatchLabels) > 0
		applies := (c.Metadata.Namespace == b.node.Namespace && (!hasSel || selects(ra.Selector.MatchLabels, b.node.Labels))) ||
			(c.Metadata.Namespace == b.ix.mesh.RootNamespace && !hasSel)
		if !applies {
			continue
		}
		if ra.TargetRef != nil || len(ra.TargetRefs) > 0 {
			b.warn("RequestAuthentication %s/%s: targetRef is not supported; using the selector", c.Metadata.Namespace, c.Metadata.Name)
		}
		for i, r := range ra.JWTRules {
			p := JWTProviderIR{Name: c.Metadata.Namespace + "." + c.Metadata.Name + "." + strconv.Itoa(i), Rule: r}
			if r.Jwks == "" && r.JwksURI != "" {
				cluster, ok := b.urlCluster("jwks", r.JwksURI)
				if !ok {
					continue
				}
				p.Cluster = cluster
			}
			out = append(out, p)
		}
	}
	return out
}
