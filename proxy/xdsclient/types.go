package xdsclient

import (
	"slices"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/proto"
)

// Type URLs of the resources the client understands.
const (
	ListenerType        = "type.googleapis.com/envoy.config.listener.v3.Listener"
	RouteType           = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
	ClusterType         = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	EndpointType        = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
	SecretType          = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
	ExtensionConfigType = "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig"

	// resourceWrapperType is the envoy.service.discovery.v3.Resource wrapper a server may use in
	// state-of-the-world responses (for example to carry a TTL).
	resourceWrapperType = "type.googleapis.com/envoy.service.discovery.v3.Resource"

	// Wildcard is the resource name that subscribes to every resource of a type.
	Wildcard = "*"
)

// knownTypes lists every supported type URL.
var knownTypes = []string{ListenerType, RouteType, ClusterType, EndpointType, SecretType, ExtensionConfigType}

// isKnownType reports whether typeURL is one the client can decode and name.
func isKnownType(typeURL string) bool { return slices.Contains(knownTypes, typeURL) }

// isWildcardType reports whether a type is watched as a wildcard by default (LDS, CDS).
func isWildcardType(typeURL string) bool { return typeURL == ListenerType || typeURL == ClusterType }

// resourceName returns the xDS name of a decoded resource, "" when it has none.
func resourceName(m proto.Message) string {
	switch r := m.(type) {
	case *listenerv3.Listener:
		return r.GetName()
	case *routev3.RouteConfiguration:
		return r.GetName()
	case *clusterv3.Cluster:
		return r.GetName()
	case *endpointv3.ClusterLoadAssignment:
		return r.GetClusterName()
	case *tlsv3.Secret:
		return r.GetName()
	case *corev3.TypedExtensionConfig:
		return r.GetName()
	}
	return ""
}
