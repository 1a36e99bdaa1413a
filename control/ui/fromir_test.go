package ui

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/pilot"
)

func TestConfigFromIR(t *testing.T) {
	const reviews = "reviews.bookinfo.svc.cluster.local"
	filters := []pilot.WasmFilterIR{
		{Name: "bookinfo.authz", Phase: api.PhaseAuthz, SHA256: "6b1d", Config: map[string]any{"policy": "bookinfo/reviews-readers"}},
		{Name: "bookinfo.telemetry", Phase: api.PhaseStats, SHA256: "0e9d"},
	}
	outbound := []pilot.RouteTableIR{{Name: "9080", VHosts: []pilot.VHostIR{
		{Name: reviews + ":9080", Domains: []string{reviews, "reviews"}, Routes: []pilot.RouteIR{
			{Name: "jason", Match: &api.HTTPMatchRequest{Headers: map[string]api.StringMatch{"end-user": {Exact: "jason"}}},
				Clusters: []pilot.WeightedCluster{{Cluster: "outbound|9080|v2|" + reviews, Weight: 100}}},
			{Name: "default", Clusters: []pilot.WeightedCluster{
				{Cluster: "outbound|9080|v1|" + reviews, Weight: 50}, {Cluster: "outbound|9080|v3|" + reviews, Weight: 50}}},
		}},
		{Name: "allow_any", Domains: []string{"*"}, Routes: []pilot.RouteIR{{Name: "allow_any"}}},
		{Name: "block_all", Domains: []string{"*"}, Routes: []pilot.RouteIR{{Name: "block_all", Direct: 502}}},
	}}}
	got := ConfigFromIR([]*pilot.IR{
		{Node: pilot.Node{Service: "productpage", Namespace: "bookinfo"}, Routes: outbound, Filters: filters[1:]},
		{Node: pilot.Node{Service: "reviews", Namespace: "bookinfo"}, Routes: outbound, Filters: filters},
		{Node: pilot.Node{Service: "reviews", Namespace: "bookinfo"}, Filters: filters}, // a second replica
		nil,
	})
	want := []ServiceConfig{
		{Service: "productpage.bookinfo", Filters: []WasmFilter{{Name: "bookinfo.telemetry", Phase: "STATS", Digest: "sha256:0e9d"}}},
		{Service: reviews,
			Routes: []Route{
				{Name: "jason", Match: `{"headers":{"end-user":{"exact":"jason"}}}`, Destinations: []string{reviews + " v2"}},
				{Name: "default", Destinations: []string{reviews + " v1 (50%)", reviews + " v3 (50%)"}},
			},
			Policies: []Policy{{Name: "bookinfo/reviews-readers", Kind: "Policy", Action: "enforced by bookinfo.authz"}},
			Filters: []WasmFilter{
				{Name: "bookinfo.authz", Phase: "AUTHZ", Digest: "sha256:6b1d"},
				{Name: "bookinfo.telemetry", Phase: "STATS", Digest: "sha256:0e9d"},
			}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ConfigFromIR (-want +got):\n%s", d)
	}
}
