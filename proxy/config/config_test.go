package config

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite golden files")

// decodeAny reads a YAML resource with an "@type" key.
func decodeAny(t *testing.T, y string) proto.Message {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	var a anypb.Any
	if err := protojson.Unmarshal(js, &a); err != nil {
		t.Fatalf("decode: %v", err)
	}
	m, err := a.UnmarshalNew()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func translate(m proto.Message) (any, error) {
	switch r := m.(type) {
	case *listenerv3.Listener:
		return TranslateListener(r)
	case *routev3.RouteConfiguration:
		return TranslateRouteConfig(r)
	case *clusterv3.Cluster:
		return TranslateCluster(r)
	}
	return nil, errors.New("unknown type")
}

func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.in.yaml")
	if len(files) == 0 {
		t.Fatal("no golden inputs")
	}
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			b, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := translate(decodeAny(t, string(b)))
			if err != nil {
				t.Fatal(err)
			}
			js, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			out, err := yaml.JSONToYAML(js)
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, ".in.yaml") + ".out.yaml"
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if string(want) != string(out) {
				t.Errorf("golden mismatch for %s:\n%s", golden, out)
			}
		})
	}
}

func TestErrorsNameField(t *testing.T) {
	cases := []struct {
		name, in, field string
		want            error
	}{
		{"unknown cluster field", `
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: c
type: STATIC
load_assignment: {cluster_name: c, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 1}}}}]}]}
lb_subset_config: {fallback_policy: ANY_ENDPOINT}
`, "lb_subset_config", ErrUnsupported},
		{"maglev", `
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: c
type: EDS
lb_policy: MAGLEV
`, "lb_policy", ErrUnsupported},
		{"bad regex", `
"@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
name: r
virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {safe_regex: {regex: "(("}}, route: {cluster: c}}]}]
`, "virtual_hosts[0].routes[0].match.safe_regex.regex", ErrInvalid},
		{"route filter action", `
"@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
name: r
virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, non_forwarding_action: {}}]}]
`, "virtual_hosts[0].routes[0].non_forwarding_action", ErrUnsupported},
		{"retry on unknown", `
"@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
name: r
virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: c, retry_policy: {retry_on: "weird"}}}]}]
`, "virtual_hosts[0].routes[0].route.retry_policy.retry_on", ErrUnsupported},
		{"router not last", `
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: l
address: {socket_address: {address: 127.0.0.1, port_value: 1}}
filter_chains: [{filters: [{name: envoy.filters.network.http_connection_manager, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager, stat_prefix: s, rds: {route_config_name: r}, http_filters: []}}]}]
`, "filter_chains[0].filters[0].typed_config.http_filters", ErrInvalid},
		{"eds endpoint hostname", `
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: c
type: STATIC
load_assignment: {cluster_name: c, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: example.com, port_value: 1}}}}]}]}
`, "load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address", ErrInvalid},
		{"original dst with round robin", `
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: c
type: ORIGINAL_DST
lb_policy: ROUND_ROBIN
`, "lb_policy", ErrInvalid},
		{"original dst with hosts", `
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: c
type: ORIGINAL_DST
lb_policy: CLUSTER_PROVIDED
load_assignment: {cluster_name: c, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 1}}}}]}]}
`, "load_assignment", ErrInvalid},
		{"zipkin tracer", `
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: l
address: {socket_address: {address: 127.0.0.1, port_value: 1}}
filter_chains: [{filters: [{name: envoy.filters.network.http_connection_manager, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager, stat_prefix: s, rds: {route_config_name: r}, tracing: {provider: {name: envoy.tracers.zipkin}}, http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]}}]}]
`, "filter_chains[0].filters[0].typed_config.tracing.provider.name", ErrUnsupported},
		{"cluster provided on eds", `
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: c
type: EDS
lb_policy: CLUSTER_PROVIDED
`, "lb_policy", ErrUnsupported},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := translate(decodeAny(t, c.in))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("want *Error, got %v", err)
			}
			if ce.Field != c.field || !errors.Is(err, c.want) {
				t.Fatalf("got field %q err %v; want field %q, %v", ce.Field, err, c.field, c.want)
			}
		})
	}
}
