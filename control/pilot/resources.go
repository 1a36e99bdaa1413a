package pilot

import (
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
)

// Resources are the Envoy resources of one proxy, each sorted by name.
type Resources struct {
	Listeners  []*listenerv3.Listener
	Routes     []*routev3.RouteConfiguration
	Clusters   []*clusterv3.Cluster
	Endpoints  []*endpointv3.ClusterLoadAssignment
	Secrets    []*tlsv3.Secret
	Extensions []*corev3.TypedExtensionConfig
}

// ByType returns the resources keyed by xDS type URL, as go-control-plane's
// snapshot cache takes them. Every type is present, possibly empty.
func (r *Resources) ByType() map[resource.Type][]types.Resource {
	out := map[resource.Type][]types.Resource{
		resource.ListenerType: nil, resource.RouteType: nil, resource.ClusterType: nil,
		resource.EndpointType: nil, resource.SecretType: nil, resource.ExtensionConfigType: nil,
	}
	for _, x := range r.Listeners {
		out[resource.ListenerType] = append(out[resource.ListenerType], x)
	}
	for _, x := range r.Routes {
		out[resource.RouteType] = append(out[resource.RouteType], x)
	}
	for _, x := range r.Clusters {
		out[resource.ClusterType] = append(out[resource.ClusterType], x)
	}
	for _, x := range r.Endpoints {
		out[resource.EndpointType] = append(out[resource.EndpointType], x)
	}
	for _, x := range r.Secrets {
		out[resource.SecretType] = append(out[resource.SecretType], x)
	}
	for _, x := range r.Extensions {
		out[resource.ExtensionConfigType] = append(out[resource.ExtensionConfigType], x)
	}
	return out
}

// Generate builds the IR of one proxy and emits its resources.
func Generate(ix *Index, n Node) (*IR, *Resources, error) {
	ir := Build(ix, n)
	res, err := Emit(ir)
	return ir, res, err
}
