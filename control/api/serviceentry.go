package api

// ServiceEntry (networking.istio.io/v1) adds a service to the registry: an
// external API or workloads that are not discovered otherwise.
type ServiceEntry struct {
	// Hosts (DNS names) of the service; used to match HTTP Host/SNI.
	Hosts []string `json:"hosts"`
	// Addresses (IPs or CIDRs) of the service.
	Addresses []string `json:"addresses,omitempty"`
	// Ports of the service.
	Ports []ServicePort `json:"ports,omitempty"`
	// Location: MESH_EXTERNAL or MESH_INTERNAL.
	Location ServiceLocation `json:"location,omitempty"`
	// Resolution of endpoints: NONE, STATIC, DNS or DNS_ROUND_ROBIN.
	Resolution Resolution `json:"resolution,omitempty"`
	// Endpoints of the service (inline WorkloadEntries).
	Endpoints []WorkloadEntry `json:"endpoints,omitempty"`
	// WorkloadSelector selects WorkloadEntries and registered workloads of
	// the same namespace as endpoints; exclusive with Endpoints.
	WorkloadSelector *WorkloadSelector `json:"workloadSelector,omitempty"`
	// ExportTo lists the namespaces that can see this service.
	ExportTo []string `json:"exportTo,omitempty"`
	// SubjectAltNames accepted in the endpoints' certificates.
	SubjectAltNames []string `json:"subjectAltNames,omitempty"`
}

// ServicePort is a port of a service.
type ServicePort struct {
	// Number of the port (1-65535).
	Number uint32 `json:"number"`
	// Protocol of the port.
	Protocol Protocol `json:"protocol,omitempty"`
	// Name of the port, used to look up endpoint ports.
	Name string `json:"name"`
	// TargetPort on the endpoints; defaults to Number.
	TargetPort uint32 `json:"targetPort,omitempty"`
}

// ServiceLocation says whether a service is part of the mesh.
type ServiceLocation string

// Service locations.
const (
	MeshExternal ServiceLocation = "MESH_EXTERNAL"
	MeshInternal ServiceLocation = "MESH_INTERNAL"
)

// Values lists the accepted locations.
func (ServiceLocation) Values() []string { return []string{"MESH_EXTERNAL", "MESH_INTERNAL"} }

// Resolution says how endpoints of a service are found.
type Resolution string

// Resolutions.
const (
	ResolutionNone          Resolution = "NONE"
	ResolutionStatic        Resolution = "STATIC"
	ResolutionDNS           Resolution = "DNS"
	ResolutionDNSRoundRobin Resolution = "DNS_ROUND_ROBIN"
)

// Values lists the accepted resolutions.
func (Resolution) Values() []string { return []string{"NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN"} }
