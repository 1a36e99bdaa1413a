package registry

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wasmesh/wasmesh/control/api"
)

func se(ns, name string, spec api.ServiceEntry) api.Config {
	c, _ := api.NewConfig(api.KindServiceEntry, ns, name)
	c.Spec = &spec
	return c
}

func we(ns, name string, spec api.WorkloadEntry) api.Config {
	c, _ := api.NewConfig(api.KindWorkloadEntry, ns, name)
	c.Spec = &spec
	return c
}

func TestBuild(t *testing.T) {
	http := api.ServicePort{Number: 80, Name: "http", Protocol: api.ProtocolHTTP, TargetPort: 8080}
	cases := []struct {
		name      string
		in        Input
		services  []Service
		host      string
		port      int
		endpoints []Endpoint
	}{
		{
			name: "static endpoints with named and target ports",
			in: Input{ServiceEntries: []api.Config{se("shop", "db", api.ServiceEntry{
				Hosts: []string{"db.shop.internal"}, Addresses: []string{"10.0.0.9"}, Location: api.MeshInternal,
				Ports: []api.ServicePort{http}, Resolution: api.ResolutionStatic,
				Endpoints: []api.WorkloadEntry{
					{Address: "127.0.0.2", Ports: map[string]uint32{"http": 9000}, Labels: map[string]string{"v": "2"}, Weight: 3, Locality: "r/z"},
					{Address: "127.0.0.1", ServiceAccount: "db"},
				},
			})}},
			services: []Service{{Hostname: "db.shop.internal", Namespace: "shop", Addresses: []string{"10.0.0.9"},
				Ports: []Port{{Name: "http", Number: 80, Protocol: api.ProtocolHTTP}}, Resolution: api.ResolutionStatic,
				Source: "ServiceEntry shop/db"}},
			host: "db.shop.internal", port: 80,
			endpoints: []Endpoint{
				{Address: "127.0.0.1", Port: 8080, ServiceAccount: "db", Namespace: "shop"},
				{Address: "127.0.0.2", Port: 9000, Labels: map[string]string{"v": "2"}, Namespace: "shop", Locality: "r/z", Weight: 3},
			},
		},
		{
			name: "DNS without endpoints resolves the host, external by default",
			in: Input{ServiceEntries: []api.Config{se("default", "ext", api.ServiceEntry{
				Hosts: []string{"api.example.com", "*.example.org"}, Resolution: api.ResolutionDNS,
				Ports: []api.ServicePort{{Number: 443, Name: "tls", Protocol: api.ProtocolTLS}},
			})}},
			services: []Service{
				{Hostname: "*.example.org", Namespace: "default", Ports: []Port{{Name: "tls", Number: 443, Protocol: api.ProtocolTLS}},
					Resolution: api.ResolutionDNS, MeshExternal: true, Source: "ServiceEntry default/ext"},
				{Hostname: "api.example.com", Namespace: "default", Ports: []Port{{Name: "tls", Number: 443, Protocol: api.ProtocolTLS}},
					Resolution: api.ResolutionDNS, MeshExternal: true, Source: "ServiceEntry default/ext"},
			},
			host: "api.example.com", port: 443,
			endpoints: []Endpoint{{Address: "api.example.com", Port: 443, Namespace: "default"}},
		},
		{
			name: "workloadSelector picks WorkloadEntries and registered workloads of the namespace",
			in: Input{
				ServiceEntries: []api.Config{se("shop", "details", api.ServiceEntry{
					Hosts: []string{"details.shop"}, Location: api.MeshInternal, Resolution: api.ResolutionStatic,
					Ports: []api.ServicePort{http}, WorkloadSelector: &api.WorkloadSelector{Labels: map[string]string{"app": "details"}},
				})},
				WorkloadEntries: []api.Config{
					we("shop", "vm1", api.WorkloadEntry{Address: "127.0.0.10", Ports: map[string]uint32{"http": 18080}, Labels: map[string]string{"app": "details"}, ServiceAccount: "details"}),
					we("other", "vm2", api.WorkloadEntry{Address: "127.0.0.11", Labels: map[string]string{"app": "details"}}),
					we("shop", "vm3", api.WorkloadEntry{Address: "127.0.0.12", Labels: map[string]string{"app": "ratings"}}),
				},
				Workloads: []Workload{{Name: "details-1", Namespace: "shop", Address: "127.0.0.20", Labels: map[string]string{"app": "details", "version": "v2"},
					Ports: []Port{{Name: "http", Number: 28080}}, ServiceAccount: "details", Source: "proxy"}},
			},
			services: []Service{{Hostname: "details.shop", Namespace: "shop", Ports: []Port{{Name: "http", Number: 80, Protocol: api.ProtocolHTTP}},
				Resolution: api.ResolutionStatic, Source: "ServiceEntry shop/details"}},
			host: "details.shop", port: 80,
			endpoints: []Endpoint{
				{Address: "127.0.0.10", Port: 18080, Labels: map[string]string{"app": "details"}, ServiceAccount: "details", Namespace: "shop", Workload: "vm1"},
				{Address: "127.0.0.20", Port: 28080, Labels: map[string]string{"app": "details", "version": "v2"}, ServiceAccount: "details", Namespace: "shop", Workload: "details-1"},
			},
		},
		{
			name: "registered workloads form implicit services",
			in: Input{Workloads: []Workload{
				{Name: "reviews-v2", Namespace: "default", Service: "reviews", Address: "127.0.0.3", Labels: map[string]string{"version": "v2"},
					Ports: []Port{{Name: "http", Number: 9080, Protocol: api.ProtocolHTTP}}},
				{Name: "reviews-v1", Namespace: "default", Service: "reviews", Address: "127.0.0.2", Labels: map[string]string{"version": "v1"},
					Ports: []Port{{Name: "http", Number: 9080, Protocol: api.ProtocolHTTP}, {Name: "admin", Number: 9090}}},
				{Name: "loner", Namespace: "default", Address: "127.0.0.4"},
			}},
			services: []Service{{Hostname: "reviews.default.svc.cluster.local", Namespace: "default",
				Ports:      []Port{{Name: "http", Number: 9080, Protocol: api.ProtocolHTTP}, {Name: "admin", Number: 9090}},
				Resolution: api.ResolutionStatic, Source: "workload"}},
			host: "reviews.default.svc.cluster.local", port: 9080,
			endpoints: []Endpoint{
				{Address: "127.0.0.2", Port: 9080, Labels: map[string]string{"version": "v1"}, Namespace: "default", Workload: "reviews-v1"},
				{Address: "127.0.0.3", Port: 9080, Labels: map[string]string{"version": "v2"}, Namespace: "default", Workload: "reviews-v2"},
			},
		},
		{
			name: "resolution NONE has no endpoints",
			in: Input{ServiceEntries: []api.Config{se("default", "pass", api.ServiceEntry{
				Hosts: []string{"pass.example.com"}, Resolution: api.ResolutionNone, Location: api.MeshExternal,
				Ports: []api.ServicePort{{Number: 443, Name: "tls", Protocol: api.ProtocolTLS}},
			})}},
			services: []Service{{Hostname: "pass.example.com", Namespace: "default", Ports: []Port{{Name: "tls", Number: 443, Protocol: api.ProtocolTLS}},
				Resolution: api.ResolutionNone, MeshExternal: true, Source: "ServiceEntry default/pass"}},
			host: "pass.example.com", port: 443,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := Build(c.in)
			if d := cmp.Diff(c.services, v.Services()); d != "" {
				t.Errorf("services (-want +got):\n%s", d)
			}
			if d := cmp.Diff(c.endpoints, v.Endpoints(c.host, c.port)); d != "" {
				t.Errorf("endpoints (-want +got):\n%s", d)
			}
			if s, ok := v.Service(c.host); !ok || s.Hostname != c.host {
				t.Errorf("Service(%q) = %v, %v", c.host, s, ok)
			}
		})
	}
}

func TestBuildWorkloads(t *testing.T) {
	v := Build(Input{
		WorkloadEntries: []api.Config{we("b", "vm", api.WorkloadEntry{Address: "127.0.0.1", Ports: map[string]uint32{"z": 2, "a": 1}})},
		Workloads:       []Workload{{Name: "p", Namespace: "a", Source: "proxy"}},
	})
	want := []Workload{
		{Name: "p", Namespace: "a", Source: "proxy"},
		{Name: "vm", Namespace: "b", Address: "127.0.0.1", Ports: []Port{{Name: "a", Number: 1}, {Name: "z", Number: 2}}, Source: "WorkloadEntry b/vm"},
	}
	if d := cmp.Diff(want, v.Workloads()); d != "" {
		t.Errorf("workloads (-want +got):\n%s", d)
	}
	if v.Endpoints("x", 70000) != nil {
		t.Error("out-of-range port returned endpoints")
	}
}

func TestImplicitHostname(t *testing.T) {
	for _, suffix := range []string{"", "cluster.local", "svc.cluster.local"} {
		if got := ImplicitHostname("reviews", "ns", suffix); got != "reviews.ns.svc.cluster.local" {
			t.Errorf("suffix %q: %s", suffix, got)
		}
	}
	if got := ImplicitHostname("a", "b", "mesh.example"); got != "a.b.svc.mesh.example" {
		t.Errorf("got %s", got)
	}
}
