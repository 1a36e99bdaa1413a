package pilot

import (
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
)

func TestAddressDomains(t *testing.T) {
	for _, c := range []struct {
		name  string
		addrs []string
		ports []uint32
		seen  []string
		want  []string
	}{
		{"ipv4", []string{"10.1.0.5"}, []uint32{80}, nil, []string{"10.1.0.5", "10.1.0.5:80"}},
		{"two ports", []string{"10.1.0.5"}, []uint32{80, 15080}, nil, []string{"10.1.0.5", "10.1.0.5:80", "10.1.0.5:15080"}},
		{"ipv6 in brackets", []string{"fd00::5"}, []uint32{80}, nil, []string{"[fd00::5]", "[fd00::5]:80"}},
		{"single-host cidr", []string{"10.1.0.6/32", "fd00::6/128"}, []uint32{80}, nil,
			[]string{"10.1.0.6", "10.1.0.6:80", "[fd00::6]", "[fd00::6]:80"}},
		{"range names no host", []string{"10.2.0.0/16", "fd00::/64"}, []uint32{80}, nil, nil},
		{"not an address", []string{"web.mesh", ""}, []uint32{80}, nil, nil},
		{"taken by another vhost", []string{"10.1.0.5"}, []uint32{80, 81}, []string{"10.1.0.5", "10.1.0.5:80"}, []string{"10.1.0.5:81"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			seen := map[string]bool{}
			for _, s := range c.seen {
				seen[s] = true
			}
			got := addressDomains(c.addrs, c.ports, seen)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			for _, d := range got {
				if !seen[d] {
					t.Errorf("%s not marked seen", d)
				}
			}
		})
	}
}

// TestServiceAddressRoutes: a captured app calling a service's address
// (Host: 10.1.0.5:80) matches the service's virtual host; two services
// sharing an address do not list it twice in one route table.
func TestServiceAddressRoutes(t *testing.T) {
	http80 := []registry.Port{{Name: "http", Number: 80, Protocol: api.ProtocolHTTP}}
	ix := NewIndex(Inputs{
		Services: []registry.Service{
			{Hostname: "web.mesh", Namespace: "default", Addresses: []string{"10.1.0.5"}, Ports: http80, Resolution: api.ResolutionStatic},
			{Hostname: "web2.mesh", Namespace: "default", Addresses: []string{"10.1.0.5", "10.1.0.6"}, Ports: http80, Resolution: api.ResolutionStatic},
		},
		Mesh: MeshConfig{OutboundTrafficPolicy: api.RegistryOnly},
	})
	md, err := structpb.NewStruct(map[string]any{"NAME": "client", "NAMESPACE": "default", "INSTANCE_IPS": "10.0.0.2",
		"INTERCEPTION_MODE": "REDIRECT"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := ParseNode(&corev3.Node{Id: "sidecar~10.0.0.2~client.default~default.svc.cluster.local", Metadata: md})
	if err != nil {
		t.Fatal(err)
	}
	ir, _, err := Generate(ix, n)
	if err != nil {
		t.Fatal(err)
	}
	var domains map[string][]string
	for _, rt := range ir.Routes {
		if rt.Name != "80" {
			continue
		}
		domains = map[string][]string{}
		for _, vh := range rt.VHosts {
			domains[vh.Name] = vh.Domains
		}
	}
	want := map[string][]string{
		"web.mesh:80":  {"web.mesh", "web.mesh:80", "10.1.0.5", "10.1.0.5:80"},
		"web2.mesh:80": {"web2.mesh", "web2.mesh:80", "10.1.0.6", "10.1.0.6:80"},
		"block_all":    {"*"},
	}
	if diff := cmp.Diff(want, domains); diff != "" {
		t.Errorf("route table 80 domains (-want +got)\n%s", diff)
	}
}
