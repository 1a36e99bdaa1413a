package pilot

import (
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/authz"
	"github.com/wasmesh/wasmesh/registry"
)

// Index is Inputs organised for translation; build it once per change with
// NewIndex and share it between all proxies. It is immutable.
type Index struct {
	in       Inputs
	mesh     MeshConfig
	services map[string]*registry.Service // by hostname
	hosts    []string                     // sorted service hostnames
	byKind   map[string][]*api.Config     // sorted by namespace/name
	authz    []authz.Named                // AuthorizationPolicies
	// DestinationRules and VirtualServices by fully qualified host; those
	// with wildcard hosts are in the "*" lists. Both keep config order.
	drByHost, vsByHost map[string][]*api.Config
	// epHosts lists, for each endpoint "address:port", the hosts of the
	// mesh services it backs, sorted.
	epHosts map[string][]string
}

// NewIndex indexes in. It does not modify in.
func NewIndex(in Inputs) *Index {
	ix := &Index{in: in, mesh: in.Mesh.withDefaults(), services: map[string]*registry.Service{}, byKind: map[string][]*api.Config{}}
	for i := range in.Services {
		s := &in.Services[i]
		ix.services[s.Hostname] = s
	}
	for h := range ix.services {
		ix.hosts = append(ix.hosts, h)
	}
	sort.Strings(ix.hosts)
	ix.epHosts = map[string][]string{}
	for _, h := range ix.hosts {
		s := ix.services[h]
		if s.MeshExternal {
			continue
		}
		for _, p := range s.Ports {
			for _, e := range in.Endpoints[EndpointKey{h, p.Number}] {
				k := net.JoinHostPort(e.Address, strconv.FormatUint(uint64(e.Port), 10))
				if l := ix.epHosts[k]; len(l) == 0 || l[len(l)-1] != h {
					ix.epHosts[k] = append(l, h)
				}
			}
		}
	}
	for i := range in.Configs {
		c := &in.Configs[i]
		ix.byKind[c.Kind] = append(ix.byKind[c.Kind], c)
	}
	for _, l := range ix.byKind {
		sort.SliceStable(l, func(i, j int) bool {
			a, b := l[i].Metadata, l[j].Metadata
			if a.Namespace != b.Namespace {
				return a.Namespace < b.Namespace
			}
			return a.Name < b.Name
		})
	}
	ix.drByHost, ix.vsByHost = map[string][]*api.Config{}, map[string][]*api.Config{}
	for _, c := range ix.byKind[api.KindDestinationRule] {
		h := ix.fqdn(c.Spec.(*api.DestinationRule).Host, c.Metadata.Namespace)
		if strings.HasPrefix(h, "*") {
			h = "*"
		}
		ix.drByHost[h] = append(ix.drByHost[h], c)
	}
	for _, c := range ix.byKind[api.KindVirtualService] {
		seen := map[string]bool{}
		for _, host := range c.Spec.(*api.VirtualService).Hosts {
			h := ix.fqdn(host, c.Metadata.Namespace)
			if strings.HasPrefix(h, "*") {
				h = "*"
			}
			if !seen[h] {
				seen[h] = true
				ix.vsByHost[h] = append(ix.vsByHost[h], c)
			}
		}
	}
	for _, c := range ix.byKind[api.KindAuthorizationPolicy] {
		ix.authz = append(ix.authz, authz.Named{Namespace: c.Metadata.Namespace, Name: c.Metadata.Name, Spec: c.Spec.(*api.AuthorizationPolicy)})
	}
	return ix
}

func (ix *Index) configs(kind string) []*api.Config { return ix.byKind[kind] }

// fqdn resolves a short host name written in namespace ns.
func (ix *Index) fqdn(host, ns string) string {
	if host == "*" || strings.HasPrefix(host, "*.") || strings.Contains(host, ".") {
		return host
	}
	return host + "." + ns + "." + ix.mesh.DomainSuffix
}

// hostMatches reports whether pattern (possibly "*" or "*.suffix") covers host.
func hostMatches(pattern, host string) bool {
	switch {
	case pattern == host || pattern == "*":
		return true
	case strings.HasPrefix(pattern, "*."):
		return strings.HasSuffix(host, pattern[1:])
	}
	return false
}

// exported reports whether an object of namespace ns with exportTo is
// visible from namespace from.
func exported(exportTo []string, ns, from string) bool {
	if len(exportTo) == 0 {
		return true
	}
	for _, e := range exportTo {
		if e == "*" || e == from || (e == "." && ns == from) {
			return true
		}
	}
	return false
}

// selects reports whether labels match every selector label.
func selects(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// sidecarFor returns the Sidecar applying to node: the one whose selector
// matches in the node's namespace, else the namespace default, else the
// root namespace default.
func (ix *Index) sidecarFor(n Node) *api.Sidecar {
	var nsDefault, rootDefault *api.Sidecar
	for _, c := range ix.configs(api.KindSidecar) {
		s := c.Spec.(*api.Sidecar)
		switch {
		case c.Metadata.Namespace == n.Namespace && s.WorkloadSelector != nil && len(s.WorkloadSelector.Labels) > 0:
			if selects(s.WorkloadSelector.Labels, n.Labels) {
				return s
			}
		case c.Metadata.Namespace == n.Namespace && nsDefault == nil:
			nsDefault = s
		case c.Metadata.Namespace == ix.mesh.RootNamespace && s.WorkloadSelector == nil && rootDefault == nil:
			rootDefault = s
		}
	}
	if nsDefault != nil {
		return nsDefault
	}
	return rootDefault
}

// visibleServices lists the services a proxy may reach, in hostname order:
// exported to its namespace and, with a Sidecar, listed in one of egress.
func (ix *Index) visibleServices(n Node, egress []api.IstioEgressListener) []*registry.Service {
	var out []*registry.Service
	for _, h := range ix.hosts {
		s := ix.services[h]
		if !exported(s.ExportTo, s.Namespace, n.Namespace) {
			continue
		}
		if egress != nil && !egressAllows(egress, s, n.Namespace) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func egressAllows(egress []api.IstioEgressListener, s *registry.Service, proxyNS string) bool {
	for _, e := range egress {
		for _, h := range e.Hosts {
			ns, host, ok := strings.Cut(h, "/")
			if !ok {
				ns, host = "*", h
			}
			switch ns {
			case "~":
				continue
			case ".":
				ns = proxyNS
			}
			if (ns == "*" || ns == s.Namespace) && hostMatches(host, s.Hostname) {
				return true
			}
		}
	}
	return false
}

// destinationRule returns the DestinationRule for host visible from ns:
// the proxy namespace's first, then the host's namespace, then any exported.
func (ix *Index) destinationRule(host string, n Node) (*api.DestinationRule, string) {
	var best *api.Config
	rank := func(c *api.Config) int {
		switch c.Metadata.Namespace {
		case n.Namespace:
			return 0
		case ix.mesh.RootNamespace:
			return 2
		}
		return 1
	}
	for _, c := range ix.candidates(ix.drByHost, host) {
		dr := c.Spec.(*api.DestinationRule)
		if ix.fqdn(dr.Host, c.Metadata.Namespace) != host && !hostMatches(ix.fqdn(dr.Host, c.Metadata.Namespace), host) {
			continue
		}
		if !exported(dr.ExportTo, c.Metadata.Namespace, n.Namespace) {
			continue
		}
		if dr.WorkloadSelector != nil && (c.Metadata.Namespace != n.Namespace || !selects(dr.WorkloadSelector.MatchLabels, n.Labels)) {
			continue
		}
		if best == nil || rank(c) < rank(best) {
			best = c
		}
	}
	if best == nil {
		return nil, ""
	}
	return best.Spec.(*api.DestinationRule), best.Metadata.Namespace
}

// inboundHost is the mesh service a workload's port serves: the first by
// name of the services with an endpoint at ip:port, or "".
func (ix *Index) inboundHost(ip string, port uint32) string {
	if l := ix.epHosts[net.JoinHostPort(ip, strconv.FormatUint(uint64(port), 10))]; len(l) > 0 {
		return l[0]
	}
	return ""
}

// endpoints returns the endpoints of a service port.
func (ix *Index) endpoints(host string, port uint32) []registry.Endpoint {
	return ix.in.Endpoints[EndpointKey{host, port}]
}

// candidates lists the configs indexed under host and under wildcards, in
// config order.
func (ix *Index) candidates(byHost map[string][]*api.Config, host string) []*api.Config {
	exact, wild := byHost[host], byHost["*"]
	if len(wild) == 0 {
		return exact
	}
	if len(exact) == 0 {
		return wild
	}
	out := make([]*api.Config, 0, len(exact)+len(wild))
	i, j := 0, 0
	for i < len(exact) || j < len(wild) {
		if j == len(wild) || (i < len(exact) && configLess(exact[i], wild[j])) {
			out = append(out, exact[i])
			i++
		} else {
			out = append(out, wild[j])
			j++
		}
	}
	return out
}

func configLess(a, b *api.Config) bool {
	if a.Metadata.Namespace != b.Metadata.Namespace {
		return a.Metadata.Namespace < b.Metadata.Namespace
	}
	return a.Metadata.Name < b.Metadata.Name
}
