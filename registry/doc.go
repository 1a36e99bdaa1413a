// Package registry is wasmesh's service registry: services and endpoints from
// ServiceEntry and WorkloadEntry configs, and from proxies that register
// their workload when they connect (as Kuma's universal mode does).
//
// Build is a pure function from configs and registered workloads to an
// immutable View (services, endpoints, workloads). Registry is the runner
// around it: it keeps the latest configs and connected workloads, removes a
// workload a grace period after its last proxy disconnected, and publishes
// every new View to subscribers.
package registry
