package pilot

import (
	"net"
	"net/netip"
	neturl "net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

// HTTP filter names.
const (
	FilterCORS   = "envoy.filters.http.cors"
	FilterFault  = "envoy.filters.http.fault"
	FilterJWT    = "envoy.filters.http.jwt_authn"
	FilterRouter = "envoy.filters.http.router"
	FilterWasm   = "envoy.filters.http.wasm"
)

// phaseRank orders Wasm phases as Istio does.
func phaseRank(p api.PluginPhase) int {
	switch p {
	case api.PhaseAuthn:
		return 0
	case api.PhaseAuthz:
		return 1
	case api.PhaseStats:
		return 2
	}
	return 3
}

// filters resolves the WasmPlugins selecting the proxy, in chain order.
func (b *builder) filters() {
	for _, c := range b.ix.configs(api.KindWasmPlugin) {
		wp := c.Spec.(*api.WasmPlugin)
		root := c.Metadata.Namespace == b.ix.mesh.RootNamespace
		if c.Metadata.Namespace != b.node.Namespace && !root {
			continue
		}
		if wp.TargetRef != nil || len(wp.TargetRefs) > 0 {
			if !b.targets(wp, c.Metadata.Namespace) {
				continue
			}
		} else if wp.Selector != nil && !selects(wp.Selector.MatchLabels, b.node.Labels) {
			continue
		}
		f := WasmFilterIR{Name: c.Metadata.Namespace + "." + c.Metadata.Name, Phase: wp.Phase, RootID: wp.PluginName,
			Config: wp.PluginConfig, FailOpen: wp.FailStrategy == api.FailOpen}
		if f.Phase == "" {
			f.Phase = api.PhaseUnspecified
		}
		if wp.Priority != nil {
			f.Priority = *wp.Priority
		}
		url, sha, ok := b.module(wp)
		if ok && !strings.HasPrefix(url, "file://") {
			f.Cluster, ok = b.urlCluster("wasm", url)
		}
		switch {
		case ok:
			f.URL, f.SHA256 = url, sha
		case f.FailOpen:
			continue
		default:
			// As Istio does for a fail-closed plugin it cannot fetch: the
			// filter's place refuses every request until the module is there.
			if wp.Type != "NETWORK" { // applyNetworkWasm says what it does for those
				b.warn("WasmPlugin %s: module unavailable; FAIL_CLOSE, so its proxies deny every request until it is", f.Name)
			}
			f.Unavailable = true
		}
		if wp.VMConfig != nil {
			for _, e := range wp.VMConfig.Env {
				if e.ValueFrom == "HOST" {
					b.warn("WasmPlugin %s: env %s from HOST is not supported", f.Name, e.Name)
					continue
				}
				if f.Env == nil {
					f.Env = map[string]string{}
				}
				f.Env[e.Name] = e.Value
			}
		}
		for _, m := range wp.Match {
			if m.Mode != "" && m.Mode != api.WorkloadModeUnspecified && m.Mode != "UNDEFINED" {
				f.Modes = append(f.Modes, m.Mode)
			}
			for _, p := range m.Ports {
				f.Ports = append(f.Ports, p.Number)
			}
		}
		if wp.Type == "NETWORK" {
			b.ir.NetworkFilters = append(b.ir.NetworkFilters, f) // see applyNetworkWasm
			continue
		}
		b.ir.Filters = append(b.ir.Filters, f)
	}
	b.policyFilters()
	b.authorizationPolicies()
	sort.SliceStable(b.ir.Filters, func(i, j int) bool {
		a, c := b.ir.Filters[i], b.ir.Filters[j]
		if phaseRank(a.Phase) != phaseRank(c.Phase) {
			return phaseRank(a.Phase) < phaseRank(c.Phase)
		}
		if a.Priority != c.Priority {
			return a.Priority > c.Priority
		}
		return a.Name < c.Name
	})
}

// targets reports whether a plugin's targetRefs name this gateway proxy.
func (b *builder) targets(wp *api.WasmPlugin, ns string) bool {
	refs := wp.TargetRefs
	if wp.TargetRef != nil {
		refs = append(refs, *wp.TargetRef)
	}
	for _, r := range refs {
		rns := r.Namespace
		if rns == "" {
			rns = ns
		}
		if r.Kind == "Gateway" && b.node.Type == RouterProxy && rns == b.node.Namespace &&
			(r.Name == b.node.Workload || r.Name == b.node.Labels["gateway.networking.k8s.io/gateway-name"] || r.Name == b.node.Labels["istio"]) {
			return true
		}
	}
	return false
}

// module resolves where proxies fetch a plugin's module: from meshd's
// module store by digest when meshd holds it, else from its http(s) URL
// with the declared sha256.
func (b *builder) module(wp *api.WasmPlugin) (url, sha string, ok bool) {
	sha = strings.ToLower(wp.SHA256)
	if stored, found := b.ix.in.Modules[wp.URL]; found {
		// An OCI plugin's sha256 may be the image digest, which meshd
		// checked when it pulled the module.
		if sha != "" && stored != sha && !isOCI(wp.URL) {
			b.warn("WasmPlugin url %s: sha256 %s does not match the stored module %s", wp.URL, sha, stored)
			return "", "", false
		}
		sha = stored
	}
	switch {
	case sha != "" && b.ix.mesh.LocalModuleDir != "" && b.ix.in.Modules[wp.URL] != "":
		return "file://" + strings.TrimSuffix(b.ix.mesh.LocalModuleDir, "/") + "/" + sha + ".wasm", sha, true
	case sha != "" && b.ix.mesh.ModuleBaseURL != "" && (b.ix.in.Modules[wp.URL] != "" || !strings.HasPrefix(wp.URL, "http")):
		return strings.TrimSuffix(b.ix.mesh.ModuleBaseURL, "/") + "/" + sha, sha, true
	case sha != "" && (strings.HasPrefix(wp.URL, "http://") || strings.HasPrefix(wp.URL, "https://")):
		return wp.URL, sha, true
	case sha == "":
		b.warn("WasmPlugin url %s: module not fetched yet (no sha256)", wp.URL)
	default:
		b.warn("WasmPlugin url %s: not served by meshd's module store", wp.URL)
	}
	return "", "", false
}

// isOCI reports whether a module URL names an OCI image (oci:// or a
// reference without a scheme).
func isOCI(url string) bool {
	return !strings.HasPrefix(url, "file://") && !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://")
}

// urlCluster adds the cluster Envoy fetches a URL (module, JWKS) through.
func (b *builder) urlCluster(prefix, raw string) (string, bool) {
	u, err := neturl.Parse(raw)
	if err != nil || u.Hostname() == "" {
		b.warn("module url %q has no host", raw)
		return "", false
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		b.warn("module url %q: bad port", raw)
		return "", false
	}
	name := prefix + "|" + net.JoinHostPort(u.Hostname(), port)
	kind := ClusterStrictDNS
	if _, err := netip.ParseAddr(u.Hostname()); err == nil {
		kind = ClusterStatic
	}
	c := ClusterIR{Name: name, Kind: kind, Endpoints: []EndpointIR{{Address: u.Hostname(), Port: uint32(p)}}}
	if u.Scheme == "https" {
		c.TLS = &ClientTLS{SNI: u.Hostname()}
	}
	b.addCluster(c)
	return name, true
}

// httpFilters returns the filters before the router for traffic of mode
// on port, in Istio's order: CORS, fault, Wasm AUTHN, jwt_authn, Wasm
// AUTHZ, Wasm STATS, other Wasm.
func (b *builder) httpFilters(mode api.WorkloadMode, port uint32, jwt []JWTProviderIR) []HTTPFilterIR {
	out := []HTTPFilterIR{{Name: FilterCORS}, {Name: FilterFault}}
	jwtDone := len(jwt) == 0
	for _, f := range b.ir.Filters {
		if !jwtDone && phaseRank(f.Phase) > 0 {
			out = append(out, HTTPFilterIR{Name: FilterJWT, JWT: jwt})
			jwtDone = true
		}
		if !f.applies(mode, port, b.node.Type) {
			continue
		}
		out = append(out, HTTPFilterIR{Name: f.Name, ECDS: true})
	}
	if !jwtDone {
		out = append(out, HTTPFilterIR{Name: FilterJWT, JWT: jwt})
	}
	return out
}

func (f WasmFilterIR) applies(mode api.WorkloadMode, port uint32, t ProxyType) bool {
	if len(f.Ports) > 0 {
		found := false
		for _, p := range f.Ports {
			found = found || p == port
		}
		if !found {
			return false
		}
	}
	if len(f.Modes) == 0 || t == RouterProxy {
		return true
	}
	for _, m := range f.Modes {
		if m == mode || m == api.WorkloadModeClientServer {
			return true
		}
	}
	return false
}
