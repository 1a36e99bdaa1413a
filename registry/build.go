package registry

import (
	"sort"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

// DefaultDomainSuffix completes the names of implicit workload services:
// "<service>.<namespace>.svc.cluster.local".
const DefaultDomainSuffix = "cluster.local"

// Input is everything a View is built from.
type Input struct {
	// ServiceEntries are configs of kind ServiceEntry.
	ServiceEntries []api.Config
	// WorkloadEntries are configs of kind WorkloadEntry.
	WorkloadEntries []api.Config
	// Workloads registered by connected proxies.
	Workloads []Workload
	// DomainSuffix of implicit services; DefaultDomainSuffix when empty.
	DomainSuffix string
	// Sources are other registries (e.g. Kubernetes) merged in: their
	// services, endpoints and workloads are added, and ServiceEntry
	// workloadSelectors select their workloads too.
	Sources []SourceView
}

// SourceView is a picture of another service registry, such as
// registry/kube's View.
type SourceView interface {
	Services() []Service
	Endpoints(hostname string, port uint32) []Endpoint
	Workloads() []Workload
}

// View is an immutable picture of the registry.
type View struct {
	services  []Service
	endpoints map[hostPort][]Endpoint
	workloads []Workload
}

type hostPort struct {
	host string
	port uint32
}

// Services returns every service, sorted by hostname and namespace.
func (v *View) Services() []Service { return append([]Service(nil), v.services...) }

// Service returns the service with the hostname (the first namespace's, if
// several define it).
func (v *View) Service(hostname string) (Service, bool) {
	i := sort.Search(len(v.services), func(i int) bool { return v.services[i].Hostname >= hostname })
	if i < len(v.services) && v.services[i].Hostname == hostname {
		return v.services[i], true
	}
	return Service{}, false
}

// Endpoints returns the endpoints of a service port (the port clients use,
// not the target port), sorted by address and port.
func (v *View) Endpoints(hostname string, port int) []Endpoint {
	if port < 0 || port > 65535 {
		return nil
	}
	return append([]Endpoint(nil), v.endpoints[hostPort{hostname, uint32(port)}]...)
}

// Workloads returns registered workloads and WorkloadEntries, sorted by
// namespace and name.
func (v *View) Workloads() []Workload { return append([]Workload(nil), v.workloads...) }

// ImplicitHostname is the hostname of the implicit service of a workload:
// "<service>.<namespace>.svc.<domainSuffix>". A suffix given with its
// "svc." already ("svc.cluster.local") is used as is.
func ImplicitHostname(service, namespace, domainSuffix string) string {
	if domainSuffix == "" {
		domainSuffix = DefaultDomainSuffix
	}
	if !strings.HasPrefix(domainSuffix, "svc.") {
		domainSuffix = "svc." + domainSuffix
	}
	return service + "." + namespace + "." + domainSuffix
}

// Build computes services, endpoints and workloads:
//   - each ServiceEntry host is a service; its endpoints are its inline
//     endpoints, or the WorkloadEntries and registered workloads of its
//     namespace matching its workloadSelector, or (DNS resolution without
//     endpoints) the host itself;
//   - the services, endpoints and workloads of Sources are added as they are;
//   - registered workloads with a Service name form the implicit service
//     "<service>.<namespace>.svc.<suffix>" on all their ports, unless a
//     ServiceEntry of that namespace defines the hostname.
//
// An endpoint's port is the endpoint's port named like the service port,
// else the service port's targetPort, else its number.
func Build(in Input) *View {
	v := &View{endpoints: map[hostPort][]Endpoint{}}
	entries := workloadEntries(in.WorkloadEntries)
	v.workloads = append(append([]Workload(nil), in.Workloads...), entries...)
	fromSource := map[[2]string]bool{}
	for _, src := range in.Sources {
		v.workloads = append(v.workloads, src.Workloads()...)
		for _, s := range src.Services() {
			fromSource[[2]string{s.Namespace, s.Hostname}] = true
			v.services = append(v.services, s)
			for _, p := range s.Ports {
				hp := hostPort{s.Hostname, p.Number}
				v.endpoints[hp] = append(v.endpoints[hp], src.Endpoints(s.Hostname, p.Number)...)
			}
		}
	}
	sort.Slice(v.workloads, func(i, j int) bool {
		a, b := v.workloads[i], v.workloads[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	idx := indexWorkloads(v.workloads)
	defined := map[[2]string]bool{}
	for _, c := range in.ServiceEntries {
		se, ok := c.Spec.(*api.ServiceEntry)
		if !ok {
			continue
		}
		ns := c.Metadata.Namespace
		for _, host := range se.Hosts {
			defined[[2]string{ns, host}] = true
			s := serviceOf(c, se, host)
			v.services = append(v.services, s)
			for _, p := range se.Ports {
				hp := hostPort{host, p.Number}
				v.endpoints[hp] = append(v.endpoints[hp], seEndpoints(c, se, host, p, idx)...)
			}
		}
	}
	v.implicitServices(in.Workloads, in.DomainSuffix, defined, fromSource)
	sort.SliceStable(v.services, func(i, j int) bool {
		if v.services[i].Hostname != v.services[j].Hostname {
			return v.services[i].Hostname < v.services[j].Hostname
		}
		return v.services[i].Namespace < v.services[j].Namespace
	})
	for hp, eps := range v.endpoints {
		if len(eps) == 0 {
			delete(v.endpoints, hp)
			continue
		}
		sort.SliceStable(eps, func(i, j int) bool {
			if eps[i].Address != eps[j].Address {
				return eps[i].Address < eps[j].Address
			}
			return eps[i].Port < eps[j].Port
		})
	}
	return v
}

func serviceOf(c api.Config, se *api.ServiceEntry, host string) Service {
	s := Service{
		Hostname:        host,
		Namespace:       c.Metadata.Namespace,
		Addresses:       se.Addresses,
		Resolution:      se.Resolution,
		MeshExternal:    se.Location != api.MeshInternal,
		Labels:          c.Metadata.Labels,
		ExportTo:        se.ExportTo,
		SubjectAltNames: se.SubjectAltNames,
		Source:          "ServiceEntry " + c.Metadata.Namespace + "/" + c.Metadata.Name,
	}
	if s.Resolution == "" {
		s.Resolution = api.ResolutionNone
	}
	for _, p := range se.Ports {
		s.Ports = append(s.Ports, Port{Name: p.Name, Number: p.Number, Protocol: p.Protocol})
	}
	return s
}

// targetPort picks the endpoint port for service port p.
func targetPort(p api.ServicePort, named map[string]uint32) uint32 {
	if n, ok := named[p.Name]; ok && n != 0 {
		return n
	}
	if p.TargetPort != 0 {
		return p.TargetPort
	}
	return p.Number
}

func seEndpoints(c api.Config, se *api.ServiceEntry, host string, p api.ServicePort, idx workloadIndex) []Endpoint {
	ns := c.Metadata.Namespace
	var out []Endpoint
	for _, e := range se.Endpoints {
		out = append(out, Endpoint{
			Address: e.Address, Port: targetPort(p, e.Ports), Labels: e.Labels, ServiceAccount: e.ServiceAccount,
			Namespace: ns, Locality: e.Locality, Weight: e.Weight,
		})
	}
	if se.WorkloadSelector != nil {
		for _, w := range idx.selected(ns, se.WorkloadSelector.Labels) {
			named := map[string]uint32{}
			for _, wp := range w.Ports {
				named[wp.Name] = wp.Number
			}
			out = append(out, Endpoint{
				Address: w.Address, Port: targetPort(p, named), Labels: w.Labels, ServiceAccount: w.ServiceAccount,
				Namespace: ns, Locality: w.Locality, Workload: w.Name,
			})
		}
	}
	if len(se.Endpoints) == 0 && se.WorkloadSelector == nil &&
		(se.Resolution == api.ResolutionDNS || se.Resolution == api.ResolutionDNSRoundRobin) && !strings.HasPrefix(host, "*") {
		out = append(out, Endpoint{Address: host, Port: targetPort(p, nil), Namespace: ns})
	}
	return out
}

// workloadIndex finds the workloads of a namespace by one label.
type workloadIndex map[string]map[[2]string][]*Workload

// indexWorkloads indexes workloads by namespace and by each label; the
// label pair "" "" lists every workload of the namespace.
func indexWorkloads(ws []Workload) workloadIndex {
	idx := workloadIndex{}
	for i := range ws {
		w := &ws[i]
		m := idx[w.Namespace]
		if m == nil {
			m = map[[2]string][]*Workload{}
			idx[w.Namespace] = m
		}
		m[[2]string{}] = append(m[[2]string{}], w)
		for k, v := range w.Labels {
			m[[2]string{k, v}] = append(m[[2]string{k, v}], w)
		}
	}
	return idx
}

// selected returns the workloads of ns carrying every selector label, in
// index order.
func (idx workloadIndex) selected(ns string, selector map[string]string) []*Workload {
	candidates := idx[ns][[2]string{}]
	for k, v := range selector {
		if c := idx[ns][[2]string{k, v}]; len(c) < len(candidates) {
			candidates = c
		}
	}
	var out []*Workload
	for _, w := range candidates {
		if matches(selector, w.Labels) {
			out = append(out, w)
		}
	}
	return out
}

// matches reports whether labels carry every selector label. An empty
// selector matches everything.
func matches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if l, ok := labels[k]; !ok || l != v {
			return false
		}
	}
	return true
}

func workloadEntries(cfgs []api.Config) []Workload {
	var out []Workload
	for _, c := range cfgs {
		we, ok := c.Spec.(*api.WorkloadEntry)
		if !ok {
			continue
		}
		w := Workload{
			Name: c.Metadata.Name, Namespace: c.Metadata.Namespace, ServiceAccount: we.ServiceAccount,
			Labels: we.Labels, Address: we.Address, Locality: we.Locality,
			Source: "WorkloadEntry " + c.Metadata.Namespace + "/" + c.Metadata.Name,
		}
		names := make([]string, 0, len(we.Ports))
		for n := range we.Ports {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			w.Ports = append(w.Ports, Port{Name: n, Number: we.Ports[n]})
		}
		out = append(out, w)
	}
	return out
}

// implicitServices adds the services of registered workloads. A hostname a
// ServiceEntry defines is left to the ServiceEntry; one a source defines
// gets the workloads as extra endpoints (a VM joining a cluster service).
func (v *View) implicitServices(workloads []Workload, suffix string, defined, fromSource map[[2]string]bool) {
	type svc struct {
		s     Service
		ports map[uint32]bool
	}
	byHost := map[string]*svc{}
	var order []string
	for _, w := range workloads {
		if w.Service == "" {
			continue
		}
		host := ImplicitHostname(w.Service, w.Namespace, suffix)
		if defined[[2]string{w.Namespace, host}] {
			continue
		}
		if fromSource[[2]string{w.Namespace, host}] {
			for _, p := range w.Ports {
				hp := hostPort{host, p.Number}
				v.endpoints[hp] = append(v.endpoints[hp], endpointOf(w, p.Number))
			}
			continue
		}
		s, ok := byHost[host]
		if !ok {
			s = &svc{s: Service{Hostname: host, Namespace: w.Namespace, Resolution: api.ResolutionStatic, Source: "workload"}, ports: map[uint32]bool{}}
			byHost[host] = s
			order = append(order, host)
		}
		for _, p := range w.Ports {
			if !s.ports[p.Number] {
				s.ports[p.Number] = true
				s.s.Ports = append(s.s.Ports, p)
			}
			hp := hostPort{host, p.Number}
			v.endpoints[hp] = append(v.endpoints[hp], endpointOf(w, p.Number))
		}
	}
	for _, h := range order {
		s := byHost[h].s
		sort.Slice(s.Ports, func(i, j int) bool { return s.Ports[i].Number < s.Ports[j].Number })
		v.services = append(v.services, s)
	}
}

// endpointOf is workload w serving on port.
func endpointOf(w Workload, port uint32) Endpoint {
	return Endpoint{
		Address: w.Address, Port: port, Labels: w.Labels, ServiceAccount: w.ServiceAccount,
		Namespace: w.Namespace, Locality: w.Locality, Workload: w.Name,
	}
}
