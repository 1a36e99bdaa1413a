package pilot

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
)

func TestMergeMatch(t *testing.T) {
	prefix := func(p string) *api.StringMatch { return &api.StringMatch{Prefix: p} }
	exact := func(p string) *api.StringMatch { return &api.StringMatch{Exact: p} }
	for _, c := range []struct {
		name    string
		root, d api.HTTPMatchRequest
		want    api.HTTPMatchRequest
		wantOK  bool
	}{
		{name: "narrower prefix", root: api.HTTPMatchRequest{URI: prefix("/api")}, d: api.HTTPMatchRequest{URI: prefix("/api/v2")},
			want: api.HTTPMatchRequest{URI: prefix("/api/v2")}, wantOK: true},
		{name: "exact inside prefix", root: api.HTTPMatchRequest{URI: prefix("/api")}, d: api.HTTPMatchRequest{URI: exact("/api/x")},
			want: api.HTTPMatchRequest{URI: exact("/api/x")}, wantOK: true},
		{name: "prefix outside", root: api.HTTPMatchRequest{URI: prefix("/api")}, d: api.HTTPMatchRequest{URI: prefix("/web")}},
		{name: "exact cannot widen", root: api.HTTPMatchRequest{URI: exact("/a")}, d: api.HTTPMatchRequest{URI: prefix("/a")}},
		{name: "root conditions inherited", root: api.HTTPMatchRequest{Name: "r", URI: prefix("/"), Port: 80, Headers: map[string]api.StringMatch{"x": {Exact: "1"}}},
			d:    api.HTTPMatchRequest{Name: "d", Method: exact("GET"), Headers: map[string]api.StringMatch{"y": {Exact: "2"}}},
			want: api.HTTPMatchRequest{Name: "r-d", URI: prefix("/"), Method: exact("GET"), Port: 80, Headers: map[string]api.StringMatch{"x": {Exact: "1"}, "y": {Exact: "2"}}}, wantOK: true},
		{name: "header conflict", root: api.HTTPMatchRequest{Headers: map[string]api.StringMatch{"x": {Exact: "1"}}}, d: api.HTTPMatchRequest{Headers: map[string]api.StringMatch{"x": {Exact: "2"}}}},
		{name: "port conflict", root: api.HTTPMatchRequest{Port: 80}, d: api.HTTPMatchRequest{Port: 81}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := mergeMatch(c.root, c.d)
			if ok != c.wantOK {
				t.Fatalf("ok = %v, want %v", ok, c.wantOK)
			}
			if ok {
				if diff := cmp.Diff(c.want, got); diff != "" {
					t.Errorf("(-want +got)\n%s", diff)
				}
			}
		})
	}
}

// TestDelegateRoutes: a root VirtualService hands /ratings to a delegate in
// another namespace. The delegate's routes take the root's place in order:
// a narrower match is kept, a match outside the root's is dropped with a
// warning, a route without match inherits the root's, short hosts resolve in
// the delegate's namespace, and the root's timeout applies where the
// delegate sets none.
func TestDelegateRoutes(t *testing.T) {
	http := []registry.Port{{Name: "http", Number: 9080, Protocol: api.ProtocolHTTP}}
	svc := func(host, ns string) registry.Service {
		return registry.Service{Hostname: host, Namespace: ns, Ports: http, Resolution: api.ResolutionStatic}
	}
	prefix := func(p string) []api.HTTPMatchRequest {
		return []api.HTTPMatchRequest{{URI: &api.StringMatch{Prefix: p}}}
	}
	to := func(host string) []api.HTTPRouteDestination {
		return []api.HTTPRouteDestination{{Destination: api.Destination{Host: host}}}
	}
	timeout := api.Duration{Duration: 3e9}
	vs := func(ns, name string, spec *api.VirtualService) api.Config {
		return api.Config{APIVersion: "networking.istio.io/v1", Kind: api.KindVirtualService, Metadata: api.ObjectMeta{Name: name, Namespace: ns}, Spec: spec}
	}
	ix := NewIndex(Inputs{
		Services: []registry.Service{svc("ratings.default.svc.cluster.local", "default"), svc("ratings-v2.team.svc.cluster.local", "team")},
		Configs: []api.Config{
			vs("default", "ratings", &api.VirtualService{Hosts: []string{"ratings"}, HTTP: []api.HTTPRoute{
				{Name: "team", Match: prefix("/ratings"), Delegate: &api.Delegate{Name: "ratings-routes", Namespace: "team"}, Timeout: &timeout},
				{Name: "rest", Route: to("ratings")},
			}}),
			vs("team", "ratings-routes", &api.VirtualService{HTTP: []api.HTTPRoute{
				{Name: "v2", Match: prefix("/ratings/v2"), Route: to("ratings-v2")},
				{Name: "stray", Match: prefix("/other"), Route: to("ratings-v2")},
				{Name: "all", Route: to("ratings.default.svc.cluster.local")},
			}}),
		},
	})
	b := &builder{ix: ix, node: Node{Type: SidecarProxy, Namespace: "default"}, ir: &IR{}, clusters: map[string]bool{}, routes: map[string]bool{}}
	root := ix.configs(api.KindVirtualService)[0].Spec.(*api.VirtualService)
	routes := b.httpRoutes(root, "default", 9080, "")
	type row struct{ Name, Prefix, Cluster, Timeout string }
	var got []row
	for _, r := range routes {
		x := row{Name: r.Name, Cluster: r.Clusters[0].Cluster}
		if r.Match != nil && r.Match.URI != nil {
			x.Prefix = r.Match.URI.Prefix
		}
		if r.HTTP.Timeout != nil {
			x.Timeout = r.HTTP.Timeout.Duration.String()
		}
		got = append(got, x)
	}
	want := []row{
		{"team-v2", "/ratings/v2", "outbound|9080||ratings-v2.team.svc.cluster.local", "3s"},
		{"team-all", "/ratings", "outbound|9080||ratings.default.svc.cluster.local", "3s"},
		{"rest", "", "outbound|9080||ratings.default.svc.cluster.local", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("routes (-want +got)\n%s", diff)
	}
	if len(b.ir.Warnings) != 1 || !strings.Contains(b.ir.Warnings[0], "team/ratings-routes route 1") {
		t.Errorf("warnings %q, want one about the stray route", b.ir.Warnings)
	}
}
