// Package pilot translates configuration and the service registry into Envoy
// v3 xDS resources for one proxy, as Istio's Pilot does.
//
// Translation is a chain of pure stages over plain data:
//
//	Inputs (configs + registry view) + Node ──Build──▶ IR ──Emit──▶ Resources
//
// ParseNode reads a proxy's identity from its xDS node (Istio's node id and
// metadata keys). Build resolves hosts, subsets, policies and plugins into an
// IR per proxy (listeners, route tables, clusters, endpoints, ECDS filters);
// Emit turns the IR into Envoy Listener, RouteConfiguration, Cluster,
// ClusterLoadAssignment, Secret and TypedExtensionConfig messages that all
// pass their proto Validate(). Generate runs both stages.
//
// Nothing here starts goroutines; the ADS server, push debouncing and ACK
// status live in package pilot/xds and the meshd runner (control/server).
package pilot
