package config

import (
	"fmt"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

// DefaultDomainSuffix completes short host names: "reviews" in namespace
// "ns" is "reviews.ns.svc.cluster.local".
const DefaultDomainSuffix = "cluster.local"

// AnalyzeOptions are the outside facts Analyze checks references against.
type AnalyzeOptions struct {
	// Hosts known to the service registry (fully qualified). ServiceEntry
	// hosts of the snapshot are added automatically.
	Hosts []string
	// DomainSuffix completes short names; DefaultDomainSuffix when empty.
	// "cluster.local" and "svc.cluster.local" are the same.
	DomainSuffix string
}

// Analyze reports references that do not resolve now: route destinations
// and DestinationRules for unknown hosts, subsets no DestinationRule
// defines, gateways and delegates that are not defined. These are warnings,
// not errors: the configs are valid and take effect when the target
// appears.
func Analyze(s *Snapshot, opts AnalyzeOptions) []Warning {
	a := &analyzer{s: s, suffix: opts.DomainSuffix, hosts: map[string]bool{}, subsets: map[string]map[string]bool{}}
	if a.suffix == "" {
		a.suffix = DefaultDomainSuffix
	}
	for _, h := range opts.Hosts {
		a.hosts[h] = true
	}
	for _, c := range s.List(api.KindServiceEntry) {
		for _, h := range c.Spec.(*api.ServiceEntry).Hosts {
			a.hosts[a.fqdn(h, c.Metadata.Namespace)] = true
		}
	}
	for _, c := range s.List(api.KindDestinationRule) {
		dr := c.Spec.(*api.DestinationRule)
		h := a.fqdn(dr.Host, c.Metadata.Namespace)
		if a.subsets[h] == nil {
			a.subsets[h] = map[string]bool{}
		}
		for _, sub := range dr.Subsets {
			a.subsets[h][sub.Name] = true
		}
		if !a.known(h) {
			a.warn(c, "spec.host", "host %q is not known to the registry yet", dr.Host)
		}
	}
	for _, c := range s.List(api.KindVirtualService) {
		a.virtualService(c)
	}
	a.namespaceWide(api.KindSidecar, func(c api.Config) bool { return c.Spec.(*api.Sidecar).WorkloadSelector == nil }, "spec")
	a.namespaceWide(api.KindPeerAuthentication, func(c api.Config) bool {
		sel := c.Spec.(*api.PeerAuthentication).Selector
		return sel == nil || len(sel.MatchLabels) == 0
	}, "spec")
	return a.out
}

// namespaceWide warns when a namespace has several configs of a kind that
// apply to the whole namespace (only the oldest would apply in Istio; here
// the first by name does).
func (a *analyzer) namespaceWide(kind string, wide func(api.Config) bool, path string) {
	first := map[string]string{}
	for _, c := range a.s.List(kind) {
		if !wide(c) {
			continue
		}
		ns := c.Metadata.Namespace
		if f, ok := first[ns]; ok {
			a.warn(c, path, "namespace %s already has the namespace-wide %s %q; this one is ignored", ns, kind, f)
			continue
		}
		first[ns] = c.Metadata.Name
	}
}

type analyzer struct {
	s       *Snapshot
	suffix  string
	hosts   map[string]bool
	subsets map[string]map[string]bool
	out     []Warning
}

func (a *analyzer) warn(c api.Config, path, format string, args ...any) {
	file, line := a.s.position(c.Key(), path)
	a.out = append(a.out, Warning{File: file, Line: line, Path: path,
		Message: fmt.Sprintf("%s %s/%s: ", c.Kind, c.Metadata.Namespace, c.Metadata.Name) + fmt.Sprintf(format, args...)})
}

// fqdn completes a short name (no dot) with the namespace and suffix.
func (a *analyzer) fqdn(host, ns string) string {
	if strings.Contains(host, ".") || strings.HasPrefix(host, "*") {
		return host
	}
	if strings.HasPrefix(a.suffix, "svc.") {
		return host + "." + ns + "." + a.suffix
	}
	return host + "." + ns + ".svc." + a.suffix
}

// known reports whether host is a known host or matches a known wildcard.
func (a *analyzer) known(host string) bool {
	if a.hosts[host] {
		return true
	}
	for h := range a.hosts {
		if strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:]) {
			return true
		}
	}
	return false
}

func (a *analyzer) destination(c api.Config, path string, d api.Destination) {
	h := a.fqdn(d.Host, c.Metadata.Namespace)
	if !a.known(h) {
		a.warn(c, path+".host", "host %q is not known to the registry yet", d.Host)
	}
	if d.Subset != "" && !a.subsets[h][d.Subset] {
		a.warn(c, path+".subset", "subset %q of host %q is not defined by any DestinationRule", d.Subset, d.Host)
	}
}

func (a *analyzer) gateways(c api.Config, path string, gws []string) {
	for i, g := range gws {
		if g == "mesh" {
			continue
		}
		ns, name, ok := strings.Cut(g, "/")
		if !ok {
			ns, name = c.Metadata.Namespace, g
		}
		if _, found := a.s.Get(api.KindGateway, ns, name); !found {
			a.warn(c, idx(path, i), "gateway %s/%s is not defined", ns, name)
		}
	}
}

func (a *analyzer) virtualService(c api.Config) {
	vs := c.Spec.(*api.VirtualService)
	a.gateways(c, "spec.gateways", vs.Gateways)
	for i, r := range vs.HTTP {
		p := idx("spec.http", i)
		for j, m := range r.Match {
			a.gateways(c, idx(p+".match", j)+".gateways", m.Gateways)
		}
		for j, d := range r.Route {
			a.destination(c, idx(p+".route", j)+".destination", d.Destination)
		}
		if r.Mirror != nil {
			a.destination(c, p+".mirror", *r.Mirror)
		}
		for j, m := range r.Mirrors {
			a.destination(c, idx(p+".mirrors", j)+".destination", m.Destination)
		}
		if d := r.Delegate; d != nil {
			ns := d.Namespace
			if ns == "" {
				ns = c.Metadata.Namespace
			}
			if _, ok := a.s.Get(api.KindVirtualService, ns, d.Name); !ok {
				a.warn(c, p+".delegate", "delegate VirtualService %s/%s is not defined", ns, d.Name)
			}
		}
	}
	for i, r := range vs.TLS {
		for j, d := range r.Route {
			a.destination(c, idx(idx("spec.tls", i)+".route", j)+".destination", d.Destination)
		}
	}
	for i, r := range vs.TCP {
		for j, d := range r.Route {
			a.destination(c, idx(idx("spec.tcp", i)+".route", j)+".destination", d.Destination)
		}
	}
}
