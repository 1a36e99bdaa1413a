package config

import (
	"net/netip"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

func (v *validator) serviceEntry(path string, s *api.ServiceEntry) {
	if len(s.Hosts) == 0 {
		v.add(path+".hosts", "at least one host is required")
	}
	for i, h := range s.Hosts {
		v.host(idx(path+".hosts", i), h, false)
	}
	for i, a := range s.Addresses {
		v.ipOrCIDR(idx(path+".addresses", i), a)
	}
	names := map[string]int{}
	numbers := map[uint32]int{}
	for i, p := range s.Ports {
		pp := idx(path+".ports", i)
		v.port(pp+".number", p.Number)
		v.optPort(pp+".targetPort", p.TargetPort)
		if v.required(pp+".name", p.Name) {
			if j, dup := names[p.Name]; dup {
				v.add(pp+".name", "duplicate port name %q (also ports[%d])", p.Name, j)
			}
			names[p.Name] = i
		}
		if j, dup := numbers[p.Number]; dup && p.Number != 0 {
			v.add(pp+".number", "duplicate port %d (also ports[%d])", p.Number, j)
		}
		numbers[p.Number] = i
	}
	v.exclusive(path, []string{"endpoints", "workloadSelector"}, len(s.Endpoints) > 0, s.WorkloadSelector != nil)
	switch s.Resolution {
	case api.ResolutionStatic:
		if len(s.Endpoints) == 0 && s.WorkloadSelector == nil {
			v.add(path+".endpoints", "resolution STATIC requires endpoints or a workloadSelector")
		}
		for i, e := range s.Endpoints {
			if e.Address != "" && !strings.HasPrefix(e.Address, "unix://") {
				if _, err := netip.ParseAddr(e.Address); err != nil {
					v.add(idx(path+".endpoints", i)+".address", "resolution STATIC requires an IP address, got %q", e.Address)
				}
			}
		}
	case api.ResolutionNone:
		if len(s.Endpoints) > 0 {
			v.add(path+".endpoints", "not allowed with resolution NONE")
		}
	case api.ResolutionDNS, api.ResolutionDNSRoundRobin:
		if len(s.Endpoints) == 0 {
			for i, h := range s.Hosts {
				if strings.HasPrefix(h, "*") {
					v.add(idx(path+".hosts", i), "wildcard host %q needs endpoints with resolution %s", h, s.Resolution)
				}
			}
		}
		if s.Resolution == api.ResolutionDNSRoundRobin && len(s.Endpoints) > 1 {
			v.add(path+".endpoints", "resolution DNS_ROUND_ROBIN allows at most one endpoint, got %d", len(s.Endpoints))
		}
	}
	for i := range s.Endpoints {
		p := idx(path+".endpoints", i)
		v.workloadEntry(p, &s.Endpoints[i])
		for _, name := range sortedKeys(s.Endpoints[i].Ports) {
			if _, ok := names[name]; !ok && len(s.Ports) > 0 {
				v.add(key(p+".ports", name), "no service port named %q", name)
			}
		}
	}
	if s.WorkloadSelector != nil {
		v.labels(path+".workloadSelector.labels", s.WorkloadSelector.Labels)
	}
	v.exportTo(path+".exportTo", s.ExportTo)
}

// workloadEntry checks a WorkloadEntry (standalone or inline in a
// ServiceEntry).
func (v *validator) workloadEntry(path string, w *api.WorkloadEntry) {
	if w.Address == "" && w.Network == "" {
		v.add(path+".address", "required (or set network)")
	}
	if w.Address != "" && !strings.HasPrefix(w.Address, "unix://") {
		if _, err := netip.ParseAddr(w.Address); err != nil {
			v.host(path+".address", w.Address, false)
		}
	}
	for _, name := range sortedKeys(w.Ports) {
		v.port(key(path+".ports", name), w.Ports[name])
	}
	v.labels(path+".labels", w.Labels)
	if w.Locality != "" && strings.Count(w.Locality, "/") > 2 {
		v.add(path+".locality", "must be \"region/zone/subzone\", got %q", w.Locality)
	}
	if w.ServiceAccount != "" {
		v.dnsSubdomain(path+".serviceAccount", w.ServiceAccount)
	}
}
