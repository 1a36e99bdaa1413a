package pilot

import (
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

// gatewayServer is a Gateway server with the gateway it belongs to.
type gatewayServer struct {
	key    string // "ns/name"
	ns     string
	index  int
	server *api.Server
}

// gateway builds a gateway proxy: a listener per server port of the
// Gateways selecting it, routes from the VirtualServices bound to them.
func (b *builder) gateway() {
	b.outboundClusters(b.ix.visibleServices(b.node, nil))
	b.addCluster(ClusterIR{Name: BlackHoleCluster, Kind: ClusterStatic, Endpoints: []EndpointIR{}})
	byPort := map[uint32][]gatewayServer{}
	for _, c := range b.ix.configs(api.KindGateway) {
		gw := c.Spec.(*api.Gateway)
		if c.Metadata.Namespace != b.node.Namespace && len(gw.Selector) == 0 {
			continue
		}
		if !selects(gw.Selector, b.node.Labels) {
			continue
		}
		for i := range gw.Servers {
			s := &gw.Servers[i]
			if s.Port == nil {
				continue
			}
			byPort[s.Port.Number] = append(byPort[s.Port.Number], gatewayServer{c.Metadata.Namespace + "/" + c.Metadata.Name, c.Metadata.Namespace, i, s})
		}
	}
	ports := make([]uint32, 0, len(byPort))
	for p := range byPort {
		ports = append(ports, p)
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i] < ports[j] })
	for _, port := range ports {
		b.gatewayListener(port, byPort[port])
	}
}

func (b *builder) gatewayListener(port uint32, servers []gatewayServer) {
	bind := "0.0.0.0"
	if servers[0].server.Bind != "" {
		bind = servers[0].server.Bind
	}
	name := bind + "_" + strconv.Itoa(int(port))
	l := ListenerIR{Name: name, Address: bind, Port: port, Direction: Outbound}
	var plain []gatewayServer
	for _, gs := range servers {
		s := gs.server
		tls := s.TLS
		switch {
		case tls == nil || (tls.HTTPSRedirect && tls.Mode == ""):
			plain = append(plain, gs)
		case tls.Mode == api.ServerTLSPassthrough || tls.Mode == api.ServerTLSAutoPassthrough:
			l.Chains = append(l.Chains, b.passthroughChains(port, gs)...)
		default:
			rt := b.gatewayRoutes("https."+strconv.Itoa(int(port))+"."+strings.ReplaceAll(gs.key, "/", ".")+"."+strconv.Itoa(gs.index), port, []gatewayServer{gs})
			b.addRoutes(rt)
			if tls.CredentialName != "" {
				b.secret(tls.CredentialName)
			}
			c := ChainIR{Name: rt.Name, SNI: sniHosts(s.Hosts), TLS: serverTLS(tls),
				HTTP: &HTTPChain{StatPrefix: rt.Name, RouteName: rt.Name, Filters: b.httpFilters(api.WorkloadModeServer, port, b.jwtProviders())}}
			l.Chains = append(l.Chains, c)
		}
	}
	if len(plain) > 0 {
		rt := b.gatewayRoutes("http."+strconv.Itoa(int(port)), port, plain)
		b.addRoutes(rt)
		c := ChainIR{Name: rt.Name, HTTP: &HTTPChain{StatPrefix: rt.Name, RouteName: rt.Name, Filters: b.httpFilters(api.WorkloadModeServer, port, b.jwtProviders())}}
		if len(l.Chains) == 0 {
			l.Chains = append(l.Chains, c)
		} else {
			l.Default = &c
		}
	}
	if len(l.Chains) == 0 && l.Default == nil {
		return
	}
	b.ir.Listeners = append(b.ir.Listeners, l)
}

func sniHosts(hosts []string) []string {
	var out []string
	for _, h := range hosts {
		if _, host, ok := strings.Cut(h, "/"); ok {
			h = host
		}
		if h == "*" {
			return nil
		}
		out = append(out, h)
	}
	return out
}

func serverTLS(t *api.ServerTLSSettings) *ServerTLS {
	out := &ServerTLS{CertFile: t.ServerCertificate, KeyFile: t.PrivateKey, CAFile: t.CACertificates, SANs: t.SubjectAltNames}
	switch t.Mode {
	case api.ServerTLSIstioMutual:
		out.Mesh, out.RequireClientCert = true, true
	case api.ServerTLSMutual:
		out.RequireClientCert = true
	}
	if t.CredentialName != "" {
		out.SDSName = t.CredentialName
	}
	out.ALPN = []string{"h2", "http/1.1"}
	return out
}

// serverHostAllows reports whether a gateway server host ("ns/host" or
// "host") admits a VirtualService host from vsNS.
func serverHostAllows(serverHost, gwNS, vsNS, host string) bool {
	ns, h, ok := strings.Cut(serverHost, "/")
	if !ok {
		ns, h = "*", serverHost
	}
	if ns == "." {
		ns = gwNS
	}
	if ns != "*" && ns != vsNS {
		return false
	}
	return hostMatches(h, host) || hostMatches(host, h)
}

// gatewayRoutes builds a route table from the VirtualServices bound to the
// servers' gateways.
func (b *builder) gatewayRoutes(name string, port uint32, servers []gatewayServer) RouteTableIR {
	rt := RouteTableIR{Name: name}
	seen := map[string]bool{}
	for _, gs := range servers {
		redirect := gs.server.TLS != nil && gs.server.TLS.HTTPSRedirect
		for _, c := range b.ix.configs(api.KindVirtualService) {
			vs := c.Spec.(*api.VirtualService)
			if !boundTo(vs.Gateways, c.Metadata.Namespace, gs.key) && !matchBound(vs, c.Metadata.Namespace, gs.key) {
				continue
			}
			for _, h := range vs.Hosts {
				host := b.ix.fqdn(h, c.Metadata.Namespace)
				allowed := false
				for _, sh := range gs.server.Hosts {
					allowed = allowed || serverHostAllows(sh, gs.ns, c.Metadata.Namespace, host)
				}
				if !allowed || seen[host] {
					continue
				}
				seen[host] = true
				vh := VHostIR{Name: host + ":" + strconv.Itoa(int(port)), Domains: []string{host, net.JoinHostPort(host, strconv.Itoa(int(port)))}}
				if host == "*" {
					vh.Domains = []string{"*"}
				}
				if redirect {
					vh.Routes = []RouteIR{{Name: "https_redirect", HTTP: &api.HTTPRoute{Redirect: &api.HTTPRedirect{Scheme: "https", RedirectCode: 301}}}}
				} else {
					vh.Routes = b.httpRoutes(vs, c.Metadata.Namespace, port, gs.key)
				}
				if len(vh.Routes) > 0 {
					rt.VHosts = append(rt.VHosts, vh)
				}
			}
		}
	}
	sort.SliceStable(rt.VHosts, func(i, j int) bool {
		// "*" last so that specific hosts win
		return rt.VHosts[i].Domains[0] != "*" && rt.VHosts[j].Domains[0] == "*"
	})
	rt.VHosts = append(rt.VHosts, VHostIR{Name: "blackhole:" + strconv.Itoa(int(port)), Domains: []string{"*"}, Routes: []RouteIR{{Name: "not_found", Direct: 404}}})
	if len(rt.VHosts) > 1 && rt.VHosts[len(rt.VHosts)-2].Domains[0] == "*" {
		rt.VHosts = rt.VHosts[:len(rt.VHosts)-1]
	}
	return rt
}

// matchBound reports whether any match of an HTTP route names the gateway.
func matchBound(vs *api.VirtualService, ns, gw string) bool {
	for _, h := range vs.HTTP {
		for _, m := range h.Match {
			if len(m.Gateways) > 0 && boundTo(m.Gateways, ns, gw) {
				return true
			}
		}
	}
	return false
}

// passthroughChains routes TLS by SNI to the VirtualServices' TLS routes.
func (b *builder) passthroughChains(port uint32, gs gatewayServer) []ChainIR {
	var out []ChainIR
	for _, c := range b.ix.configs(api.KindVirtualService) {
		vs := c.Spec.(*api.VirtualService)
		if !boundTo(vs.Gateways, c.Metadata.Namespace, gs.key) {
			continue
		}
		for _, tr := range vs.TLS {
			if len(tr.Route) == 0 {
				continue
			}
			for _, m := range tr.Match {
				if m.Port != 0 && m.Port != port {
					continue
				}
				cluster := b.destination(tr.Route[0].Destination, c.Metadata.Namespace, port)
				out = append(out, ChainIR{Name: "sni." + strings.Join(m.SniHosts, ",") + "." + strconv.Itoa(int(port)), SNI: m.SniHosts, TCPCluster: cluster})
			}
		}
	}
	if len(out) == 0 {
		b.warn("Gateway %s: passthrough server on port %d has no TLS routes", gs.key, port)
	}
	return out
}

// secret adds a credential served over SDS.
func (b *builder) secret(name string) {
	cred, ok := b.ix.in.Credentials[name]
	if !ok {
		b.warn("credential %q is not known", name)
		return
	}
	for _, s := range b.ir.Secrets {
		if s.Name == name {
			return
		}
	}
	b.ir.Secrets = append(b.ir.Secrets, SecretIR{Name: name, Cert: cred.CertPEM, Key: cred.KeyPEM, CA: cred.CAPEM})
	if cred.CAPEM != "" {
		b.ir.Secrets = append(b.ir.Secrets, SecretIR{Name: name + "-cacert", CA: cred.CAPEM})
	}
}
