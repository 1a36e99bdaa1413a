package registry

import "github.com/wasmesh/wasmesh/control/api"

// Port is a named port of a service or workload.
type Port struct {
	// Name of the port, e.g. "http".
	Name string
	// Number of the port.
	Number uint32
	// Protocol of the port (api.ProtocolHTTP, ...); empty means TCP.
	Protocol api.Protocol
}

// Service is a service known to the mesh.
type Service struct {
	// Hostname is the fully qualified name clients use,
	// e.g. "reviews.default.svc.cluster.local" or "api.example.com".
	Hostname string
	// Namespace owning the service.
	Namespace string
	// Addresses (VIPs or CIDRs) of the service, if any.
	Addresses []string
	// Ports of the service.
	Ports []Port
	// Resolution of endpoints: STATIC (addresses known), DNS,
	// DNS_ROUND_ROBIN or NONE (passthrough).
	Resolution api.Resolution
	// MeshExternal services have no sidecars (no mTLS towards them).
	MeshExternal bool
	// Labels of the defining config or of the registering workloads.
	Labels map[string]string
	// ExportTo namespaces ("*" for all); empty means all.
	ExportTo []string
	// SubjectAltNames accepted in endpoints' certificates.
	SubjectAltNames []string
	// Source says where the service came from: "ServiceEntry ns/name" or
	// "workload".
	Source string
}

// Port returns the service port with the given number.
func (s *Service) Port(number uint32) (Port, bool) {
	for _, p := range s.Ports {
		if p.Number == number {
			return p, true
		}
	}
	return Port{}, false
}

// Endpoint is one instance of a service port.
type Endpoint struct {
	// Address of the instance (IP or DNS name).
	Address string
	// Port on the instance receiving the traffic.
	Port uint32
	// Labels of the instance (used by DestinationRule subsets).
	Labels map[string]string
	// ServiceAccount of the instance (its identity).
	ServiceAccount string
	// Namespace of the instance.
	Namespace string
	// Locality "region/zone/subzone".
	Locality string
	// Weight for load balancing; 0 means 1.
	Weight uint32
	// Workload names the WorkloadEntry or registered workload, if any.
	Workload string
}

// Workload is a workload registered by its proxy when it connects, or
// declared by a WorkloadEntry.
type Workload struct {
	// Name of the workload, unique within its namespace.
	Name string
	// Namespace of the workload.
	Namespace string
	// ServiceAccount of the workload (its identity).
	ServiceAccount string
	// Labels of the workload.
	Labels map[string]string
	// Ports the workload serves on.
	Ports []Port
	// Address of the workload.
	Address string
	// Locality "region/zone/subzone".
	Locality string
	// Service, when set, makes the workload an endpoint of the implicit
	// service "<Service>.<Namespace>.svc.<domain suffix>" on all its ports,
	// without any ServiceEntry.
	Service string
	// Source is "proxy" for registered workloads or "WorkloadEntry ns/name".
	Source string
}
