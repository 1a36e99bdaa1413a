package proxy

import (
	"sort"

	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/xdsclient"
)

// subscribeLocked tells the xDS client which RDS, EDS, SDS and ECDS names the
// wanted listeners and clusters reference.
func (p *Proxy) subscribeLocked() {
	if p.xds == nil {
		return
	}
	st := p.state
	rds, sds, ecds, eds := set{}, set{}, set{}, set{}
	addTLS := func(refs ...config.SecretRef) {
		for _, r := range refs {
			if r.Name != "" {
				sds[r.Name] = true
			}
		}
	}
	for _, l := range st.listeners {
		chains := append([]config.FilterChain(nil), l.FilterChains...)
		if l.DefaultChain != nil {
			chains = append(chains, *l.DefaultChain)
		}
		for _, fc := range chains {
			if fc.TLS != nil {
				addTLS(fc.TLS.Cert, fc.TLS.Validation)
			}
			if fc.HTTP == nil {
				continue
			}
			if fc.HTTP.RDSName != "" {
				rds[fc.HTTP.RDSName] = true
			}
			for _, f := range fc.HTTP.Filters {
				if f.ECDSName != "" {
					ecds[f.ECDSName] = true
				}
			}
		}
	}
	for _, c := range st.clusters {
		if c.Type == config.ClusterEDS {
			eds[c.EDSServiceName] = true
		}
		if c.TLS != nil {
			addTLS(c.TLS.Cert, c.TLS.Validation)
		}
	}
	p.xds.Subscribe(xdsclient.RouteType, rds.list())
	p.xds.Subscribe(xdsclient.EndpointType, eds.list())
	p.xds.Subscribe(xdsclient.SecretType, sds.list())
	p.xds.Subscribe(xdsclient.ExtensionConfigType, ecds.list())
}

type set map[string]bool

func (s set) list() []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
