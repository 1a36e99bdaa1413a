package config

import (
	"errors"
	"testing"
)

const sampleBootstrap = `
node: {id: sidecar~10.0.0.1~app.default~default.svc.cluster.local, cluster: app}
admin: {address: {socket_address: {address: 127.0.0.1, port_value: 15000}}}
dynamic_resources:
  ads_config:
    api_type: DELTA_GRPC
    transport_api_version: V3
    grpc_services: [{envoy_grpc: {cluster_name: xds}}]
  lds_config: {ads: {}, resource_api_version: V3}
  cds_config: {ads: {}, resource_api_version: V3}
static_resources:
  clusters:
  - name: xds
    type: STATIC
    load_assignment:
      cluster_name: xds
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 15010}}}}]}]
`

func TestDecodeBootstrap(t *testing.T) {
	b, err := DecodeBootstrap([]byte(sampleBootstrap))
	if err != nil {
		t.Fatal(err)
	}
	if b.XDSAddress != "127.0.0.1:15010" || !b.Delta || b.AdminAddress != "127.0.0.1:15000" || b.Node.GetCluster() != "app" {
		t.Fatalf("got %+v", b)
	}
	if len(b.Clusters) != 1 {
		t.Fatalf("clusters: %d", len(b.Clusters))
	}
}

func TestDecodeBootstrapErrors(t *testing.T) {
	for name, in := range map[string]string{
		"unknown field": `{"nodes": {}}`,
		"unsupported":   `{"hds_config": {}}`,
		"missing xds":   `{"dynamic_resources": {"ads_config": {"api_type": "GRPC", "grpc_services": [{"envoy_grpc": {"cluster_name": "nope"}}]}}}`,
		"bad yaml":      "node: [",
		"rest api":      `{"dynamic_resources": {"ads_config": {"api_type": "REST"}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeBootstrap([]byte(in))
			var ce *Error
			if !errors.As(err, &ce) || ce.Kind != "bootstrap" {
				t.Fatalf("want bootstrap *Error, got %v", err)
			}
		})
	}
}

func FuzzDecodeBootstrap(f *testing.F) {
	f.Add([]byte(sampleBootstrap))
	f.Add([]byte(`{"node":{"id":"x"}}`))
	f.Add([]byte(`static_resources: {listeners: [{name: l}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := DecodeBootstrap(data)
		if err == nil && b == nil {
			t.Fatal("nil bootstrap without error")
		}
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
		}
	})
}
