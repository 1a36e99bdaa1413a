package pilot

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
)

// benchInputs is n services with two endpoints and two subsets each, and
// a VirtualService splitting every tenth one.
func benchInputs(n int) Inputs {
	in := Inputs{Endpoints: map[EndpointKey][]registry.Endpoint{}}
	for i := range n {
		host := fmt.Sprintf("svc-%d.ns-%d.svc.cluster.local", i, i%50)
		ns := "ns-" + strconv.Itoa(i%50)
		in.Services = append(in.Services, registry.Service{Hostname: host, Namespace: ns, Ports: []registry.Port{{Name: "http", Number: 80, Protocol: api.ProtocolHTTP}}})
		in.Endpoints[EndpointKey{host, 80}] = []registry.Endpoint{
			{Address: fmt.Sprintf("10.%d.%d.1", i/250, i%250), Port: 8080, Labels: map[string]string{"v": "1"}},
			{Address: fmt.Sprintf("10.%d.%d.2", i/250, i%250), Port: 8080, Labels: map[string]string{"v": "2"}}}
		in.Configs = append(in.Configs, api.Config{Kind: api.KindDestinationRule, Metadata: api.ObjectMeta{Name: "svc-" + strconv.Itoa(i), Namespace: ns},
			Spec: &api.DestinationRule{Host: host, Subsets: []api.Subset{{Name: "v1", Labels: map[string]string{"v": "1"}}, {Name: "v2", Labels: map[string]string{"v": "2"}}}}})
		if i%10 == 0 {
			in.Configs = append(in.Configs, api.Config{Kind: api.KindVirtualService, Metadata: api.ObjectMeta{Name: "svc-" + strconv.Itoa(i), Namespace: ns},
				Spec: &api.VirtualService{Hosts: []string{host}, HTTP: []api.HTTPRoute{{Route: []api.HTTPRouteDestination{
					{Destination: api.Destination{Host: host, Subset: "v1"}, Weight: 90}, {Destination: api.Destination{Host: host, Subset: "v2"}, Weight: 10}}}}}})
		}
	}
	return in
}

// BenchmarkGenerate translates a mesh of 1000 services (3000 clusters) for
// one proxy that sees all of them.
func BenchmarkGenerate(b *testing.B) {
	ix := NewIndex(benchInputs(1000))
	n := Node{ID: "p", Type: SidecarProxy, Namespace: "ns-0", Interception: "REDIRECT"}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Generate(ix, n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewIndex indexes the same 1000-service mesh (once per push).
func BenchmarkNewIndex(b *testing.B) {
	in := benchInputs(1000)
	b.ReportAllocs()
	for b.Loop() {
		NewIndex(in)
	}
}
