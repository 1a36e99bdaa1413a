package pilot

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
)

// TestSidecarSNIChains: two external HTTPS hosts share port 443 on the
// capture listener. Each host's connections reach its own cluster by SNI;
// a VirtualService tls route splits one host's more specific name between
// two services; in REGISTRY_ONLY an unknown SNI is refused (BlackHole).
func TestSidecarSNIChains(t *testing.T) {
	https := []registry.Port{{Name: "https", Number: 443, Protocol: api.ProtocolHTTPS}}
	ext := func(host string) registry.Service {
		return registry.Service{Hostname: host, Namespace: "default", Ports: https, Resolution: api.ResolutionDNS, MeshExternal: true}
	}
	ix := NewIndex(Inputs{
		Services: []registry.Service{ext("api.example.com"), ext("*.wiki.org"), ext("mirror.example.net")},
		Configs: []api.Config{{APIVersion: "networking.istio.io/v1", Kind: api.KindVirtualService, Metadata: api.ObjectMeta{Name: "wiki", Namespace: "default"},
			Spec: &api.VirtualService{Hosts: []string{"*.wiki.org"}, TLS: []api.TLSRoute{{
				Match: []api.TLSMatchAttributes{{SniHosts: []string{"en.wiki.org"}, Port: 443}},
				Route: []api.RouteDestination{
					{Destination: api.Destination{Host: "*.wiki.org"}, Weight: 80},
					{Destination: api.Destination{Host: "mirror.example.net"}, Weight: 20},
				}}}}}},
		Mesh: MeshConfig{OutboundTrafficPolicy: api.RegistryOnly},
	})
	b := &builder{ix: ix, node: Node{Type: SidecarProxy, Namespace: "default"}, ir: &IR{}, clusters: map[string]bool{}, routes: map[string]bool{}}
	b.sidecar()
	type row struct {
		Name     string
		SNI      []string
		Cluster  string
		Weighted []WeightedCluster
	}
	var got []row
	for _, l := range b.ir.Listeners {
		if l.Name != VirtualOutbound {
			continue
		}
		for _, c := range l.Chains {
			if c.DestPort == 443 {
				got = append(got, row{c.Name, c.SNI, c.TCPCluster, c.TCPWeighted})
			}
		}
	}
	want := []row{
		{"0.0.0.0_443_en.wiki.org", []string{"en.wiki.org"}, "", []WeightedCluster{
			{Cluster: "outbound|443||*.wiki.org", Weight: 80}, {Cluster: "outbound|443||mirror.example.net", Weight: 20}}},
		{"0.0.0.0_443_*.wiki.org", []string{"*.wiki.org"}, "outbound|443||*.wiki.org", nil},
		{"0.0.0.0_443_api.example.com", []string{"api.example.com"}, "outbound|443||api.example.com", nil},
		{"0.0.0.0_443_mirror.example.net", []string{"mirror.example.net"}, "outbound|443||mirror.example.net", nil},
		{"0.0.0.0_443", nil, BlackHoleCluster, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("443 chains (-want +got)\n%s", diff)
	}
}
