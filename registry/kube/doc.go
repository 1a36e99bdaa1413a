// Package kube is the Kubernetes service registry: Services, EndpointSlices,
// Pods and Nodes become registry services, endpoints and workloads.
//
// Build is a pure function from those objects to an immutable View: each
// Service is the service "<name>.<namespace>.svc.<suffix>" with its cluster
// IPs and ports (protocol from appProtocol or Istio's port-name prefix);
// its ready EndpointSlice endpoints are its endpoints, carrying the pod's
// labels and service account and the locality of the pod's node
// (topology.kubernetes.io/region and zone); every running pod with an IP is
// a workload. Watcher is the runner: client-go informers feed Build and
// subscribers hear about every new View; Feed merges each View into a
// registry.Registry (SetSource), where Pilot sees it.
package kube
