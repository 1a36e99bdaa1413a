package kube

import (
	"sort"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// Node labels of the locality.
const (
	LabelRegion  = "topology.kubernetes.io/region"
	LabelZone    = "topology.kubernetes.io/zone"
	LabelSubzone = "topology.istio.io/subzone"
)

// Input is everything a View is built from.
type Input struct {
	Services       []*corev1.Service
	EndpointSlices []*discoveryv1.EndpointSlice
	Pods           []*corev1.Pod
	Nodes          []*corev1.Node
	// DomainSuffix of service hostnames; registry.DefaultDomainSuffix when empty.
	DomainSuffix string
}

// View is an immutable picture of the cluster's services.
type View struct {
	services  []registry.Service
	endpoints map[hostPort][]registry.Endpoint
	workloads []registry.Workload
}

type hostPort struct {
	host string
	port uint32
}

// Services returns every service, sorted by hostname.
func (v *View) Services() []registry.Service { return append([]registry.Service(nil), v.services...) }

// Service returns the service with the hostname.
func (v *View) Service(hostname string) (registry.Service, bool) {
	i := sort.Search(len(v.services), func(i int) bool { return v.services[i].Hostname >= hostname })
	if i < len(v.services) && v.services[i].Hostname == hostname {
		return v.services[i], true
	}
	return registry.Service{}, false
}

// Endpoints returns the endpoints of a service port (the port clients use),
// sorted by address and port.
func (v *View) Endpoints(hostname string, port uint32) []registry.Endpoint {
	return append([]registry.Endpoint(nil), v.endpoints[hostPort{hostname, port}]...)
}

// Workloads returns the pods, sorted by namespace and name.
func (v *View) Workloads() []registry.Workload {
	return append([]registry.Workload(nil), v.workloads...)
}

// Build computes the view. Headless services (no cluster IP) resolve
// STATIC to their endpoints as well; ExternalName services are left out.
func Build(in Input) *View {
	suffix := in.DomainSuffix
	if suffix == "" {
		suffix = registry.DefaultDomainSuffix
	}
	localities := map[string]string{}
	for _, n := range in.Nodes {
		localities[n.Name] = localityOf(n.Labels)
	}
	pods := map[[2]string]*corev1.Pod{}
	v := &View{endpoints: map[hostPort][]registry.Endpoint{}}
	for _, p := range in.Pods {
		pods[[2]string{p.Namespace, p.Name}] = p
		if p.Status.PodIP == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		v.workloads = append(v.workloads, registry.Workload{
			Name:           p.Name,
			Namespace:      p.Namespace,
			ServiceAccount: serviceAccountOf(p),
			Labels:         p.Labels,
			Ports:          containerPorts(p),
			Address:        p.Status.PodIP,
			Locality:       localities[p.Spec.NodeName],
			Source:         "Pod " + p.Namespace + "/" + p.Name,
		})
	}
	slices := map[[2]string][]*discoveryv1.EndpointSlice{}
	for _, s := range in.EndpointSlices {
		svc := s.Labels[discoveryv1.LabelServiceName]
		if svc != "" {
			slices[[2]string{s.Namespace, svc}] = append(slices[[2]string{s.Namespace, svc}], s)
		}
	}
	for _, s := range in.Services {
		if s.Spec.Type == corev1.ServiceTypeExternalName {
			continue
		}
		host := s.Name + "." + s.Namespace + ".svc." + suffix
		rs := registry.Service{
			Hostname:   host,
			Namespace:  s.Namespace,
			Resolution: api.ResolutionStatic,
			Labels:     s.Labels,
			Source:     "Service " + s.Namespace + "/" + s.Name,
		}
		for _, ip := range s.Spec.ClusterIPs {
			if ip != corev1.ClusterIPNone {
				rs.Addresses = append(rs.Addresses, ip)
			}
		}
		for _, p := range s.Spec.Ports {
			if p.Protocol != "" && p.Protocol != corev1.ProtocolTCP {
				continue // the mesh carries TCP only
			}
			rs.Ports = append(rs.Ports, registry.Port{Name: p.Name, Number: uint32(p.Port), Protocol: protocolOf(p.Name, p.AppProtocol)})
			key := hostPort{host, uint32(p.Port)}
			for _, sl := range slices[[2]string{s.Namespace, s.Name}] {
				v.endpoints[key] = append(v.endpoints[key], sliceEndpoints(sl, p.Name, pods, localities)...)
			}
			sortEndpoints(v.endpoints[key])
		}
		v.services = append(v.services, rs)
	}
	sort.Slice(v.services, func(i, j int) bool { return v.services[i].Hostname < v.services[j].Hostname })
	sort.Slice(v.workloads, func(i, j int) bool {
		a, b := v.workloads[i], v.workloads[j]
		return a.Namespace < b.Namespace || (a.Namespace == b.Namespace && a.Name < b.Name)
	})
	return v
}

// sliceEndpoints returns the ready endpoints of a slice for the service port named portName.
func sliceEndpoints(s *discoveryv1.EndpointSlice, portName string, pods map[[2]string]*corev1.Pod, localities map[string]string) []registry.Endpoint {
	var port uint32
	found := false
	for _, p := range s.Ports {
		if p.Port != nil && (p.Name == nil && portName == "" || p.Name != nil && *p.Name == portName) {
			port, found = uint32(*p.Port), true
		}
	}
	if !found || (s.AddressType != discoveryv1.AddressTypeIPv4 && s.AddressType != discoveryv1.AddressTypeIPv6) {
		return nil
	}
	var out []registry.Endpoint
	for _, e := range s.Endpoints {
		if e.Conditions.Ready != nil && !*e.Conditions.Ready {
			continue
		}
		base := registry.Endpoint{Port: port, Namespace: s.Namespace}
		if e.NodeName != nil {
			base.Locality = localities[*e.NodeName]
		}
		if e.Zone != nil && base.Locality == "" {
			base.Locality = "/" + *e.Zone
		}
		if r := e.TargetRef; r != nil && r.Kind == "Pod" {
			ns := r.Namespace
			if ns == "" {
				ns = s.Namespace
			}
			if p := pods[[2]string{ns, r.Name}]; p != nil {
				base.Labels = p.Labels
				base.ServiceAccount = serviceAccountOf(p)
				base.Workload = p.Name
				if l := localities[p.Spec.NodeName]; l != "" {
					base.Locality = l
				}
			}
		}
		for _, addr := range e.Addresses {
			ep := base
			ep.Address = addr
			out = append(out, ep)
		}
	}
	return out
}

func sortEndpoints(eps []registry.Endpoint) {
	sort.Slice(eps, func(i, j int) bool {
		if eps[i].Address != eps[j].Address {
			return eps[i].Address < eps[j].Address
		}
		return eps[i].Port < eps[j].Port
	})
}

func serviceAccountOf(p *corev1.Pod) string {
	if p.Spec.ServiceAccountName != "" {
		return p.Spec.ServiceAccountName
	}
	return "default"
}

func containerPorts(p *corev1.Pod) []registry.Port {
	var out []registry.Port
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Protocol != "" && cp.Protocol != corev1.ProtocolTCP {
				continue
			}
			out = append(out, registry.Port{Name: cp.Name, Number: uint32(cp.ContainerPort), Protocol: protocolOf(cp.Name, nil)})
		}
	}
	return out
}

// localityOf renders "region/zone/subzone" from node labels; empty when
// the node has none.
func localityOf(labels map[string]string) string {
	l := labels[LabelRegion] + "/" + labels[LabelZone] + "/" + labels[LabelSubzone]
	l = strings.TrimRight(l, "/")
	return l
}

// protocolOf follows Istio's protocol selection: appProtocol first, then
// the port name's prefix ("http", "http-web", "grpc-api", ...); TCP otherwise.
func protocolOf(name string, appProtocol *string) api.Protocol {
	if appProtocol != nil {
		if p := byName(strings.ToLower(*appProtocol)); p != "" {
			return p
		}
	}
	prefix, _, _ := strings.Cut(strings.ToLower(name), "-")
	if p := byName(prefix); p != "" {
		return p
	}
	return api.ProtocolTCP
}

func byName(s string) api.Protocol {
	switch s {
	case "http":
		return api.ProtocolHTTP
	case "http2", "kubernetes.io/h2c":
		return api.ProtocolHTTP2
	case "https":
		return api.ProtocolHTTPS
	case "grpc":
		return api.ProtocolGRPC
	case "grpc-web":
		return api.ProtocolGRPCWeb
	case "tls":
		return api.ProtocolTLS
	case "tcp":
		return api.ProtocolTCP
	case "mongo":
		return api.ProtocolMongo
	}
	return ""
}
