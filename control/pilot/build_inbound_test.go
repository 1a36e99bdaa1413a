package pilot

import (
	"slices"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
)

// TestInboundClusterNamesService: the inbound cluster of a workload port
// names the service whose endpoint it is (the first by name when several
// are), so a request that reached the workload by address still reports its
// service; a port no service selects keeps the bare name, and a mesh
// external service never counts.
func TestInboundClusterNamesService(t *testing.T) {
	http := func(n uint32) []registry.Port {
		return []registry.Port{{Name: "http", Number: n, Protocol: api.ProtocolHTTP}}
	}
	ep := func(port uint32) []registry.Endpoint { return []registry.Endpoint{{Address: "10.0.0.7", Port: port}} }
	ix := NewIndex(Inputs{
		Services: []registry.Service{
			{Hostname: "reviews.shop.svc.cluster.local", Namespace: "shop", Ports: http(9080), Resolution: api.ResolutionStatic},
			{Hostname: "alias.shop.svc.cluster.local", Namespace: "shop", Ports: http(80), Resolution: api.ResolutionStatic},
			{Hostname: "ext.example.com", Namespace: "shop", Ports: http(9090), Resolution: api.ResolutionStatic, MeshExternal: true},
		},
		Endpoints: map[EndpointKey][]registry.Endpoint{
			{"reviews.shop.svc.cluster.local", 9080}: ep(9080),
			{"alias.shop.svc.cluster.local", 80}:     ep(9080), // service port 80 → workload port 9080
			{"ext.example.com", 9090}:                ep(9090),
		},
	})
	md, err := structpb.NewStruct(map[string]any{"NAME": "reviews-v1", "NAMESPACE": "shop", "INSTANCE_IPS": "10.0.0.7",
		"INTERCEPTION_MODE": "REDIRECT", "POD_PORTS": `[{"name":"http","containerPort":9080},{"name":"http-x","containerPort":9090},{"name":"http-y","containerPort":7000}]`})
	if err != nil {
		t.Fatal(err)
	}
	n, err := ParseNode(&corev3.Node{Id: "sidecar~10.0.0.7~reviews-v1.shop~shop.svc.cluster.local", Metadata: md})
	if err != nil {
		t.Fatal(err)
	}
	ir, _, err := Generate(ix, n)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range ir.Clusters {
		if c.Kind == ClusterStatic && len(c.Name) > 8 && c.Name[:8] == "inbound|" {
			names = append(names, c.Name)
		}
	}
	for _, want := range []string{"inbound|9080||alias.shop.svc.cluster.local", "inbound|9090||", "inbound|7000||"} {
		if !slices.Contains(names, want) {
			t.Errorf("inbound clusters %q: want %q", names, want)
		}
	}
}
