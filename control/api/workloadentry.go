package api

// WorkloadEntry (networking.istio.io/v1) describes a workload that is not a
// Kubernetes pod (a VM, a bare-metal server); it is also the type of a
// ServiceEntry's inline endpoints.
type WorkloadEntry struct {
	// Address of the workload (IP or DNS name); required unless a network is
	// set.
	Address string `json:"address,omitempty"`
	// Ports maps service port names to the workload's port numbers.
	Ports map[string]uint32 `json:"ports,omitempty"`
	// Labels of the workload.
	Labels map[string]string `json:"labels,omitempty"`
	// Network the workload is on.
	Network string `json:"network,omitempty"`
	// Locality of the workload as "region/zone/subzone".
	Locality string `json:"locality,omitempty"`
	// Weight of the workload for load balancing.
	Weight uint32 `json:"weight,omitempty"`
	// ServiceAccount of the workload (its identity).
	ServiceAccount string `json:"serviceAccount,omitempty"`
}
