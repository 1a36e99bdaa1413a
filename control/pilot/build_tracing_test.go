package pilot

import (
	"testing"

	"github.com/wasmesh/wasmesh/control/api"
)

func telemetry(ns, name string, sel map[string]string, tr api.Tracing) api.Config {
	t := &api.Telemetry{Tracing: []api.Tracing{tr}}
	if sel != nil {
		t.Selector = &api.LabelSelector{MatchLabels: sel}
	}
	return api.Config{APIVersion: "telemetry.istio.io/v1", Kind: api.KindTelemetry, Metadata: api.ObjectMeta{Name: name, Namespace: ns}, Spec: t}
}

func TestTracingPrecedence(t *testing.T) {
	pct := func(v float64) *float64 { return &v }
	yes := true
	root := telemetry("wasmesh-system", "mesh", nil, api.Tracing{RandomSamplingPercentage: pct(5)})
	nsWide := telemetry("shop", "ns", nil, api.Tracing{RandomSamplingPercentage: pct(20)})
	forAPI := telemetry("shop", "api", map[string]string{"app": "api"}, api.Tracing{RandomSamplingPercentage: pct(250)})
	off := telemetry("shop", "off", map[string]string{"app": "api"}, api.Tracing{DisableSpanReporting: &yes})
	other := telemetry("other", "ns", nil, api.Tracing{RandomSamplingPercentage: pct(50)})
	node := Node{Type: SidecarProxy, Namespace: "shop", Labels: map[string]string{"app": "api"}}
	for _, tc := range []struct {
		name    string
		addr    string
		configs []api.Config
		want    float64 // -1: no tracing
		warn    bool
	}{
		{"none", "127.0.0.1:4317", nil, -1, false},
		{"mesh-wide", "127.0.0.1:4317", []api.Config{root, other}, 5, false},
		{"namespace over mesh", "127.0.0.1:4317", []api.Config{root, nsWide}, 20, false},
		{"selector over namespace, clamped", "127.0.0.1:4317", []api.Config{root, nsWide, forAPI}, 100, false},
		{"disabled", "127.0.0.1:4317", []api.Config{root, off}, -1, false},
		{"no provider", "", []api.Config{root}, -1, true},
		{"bad provider", "collector", []api.Config{root}, -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := NewIndex(Inputs{Configs: tc.configs, Mesh: MeshConfig{TracingOTLPAddress: tc.addr}})
			b := &builder{ix: ix, node: node, ir: &IR{}, clusters: map[string]bool{}, routes: map[string]bool{}}
			got := b.tracing()
			if (len(b.ir.Warnings) > 0) != tc.warn {
				t.Errorf("warnings %q, want some: %v", b.ir.Warnings, tc.warn)
			}
			if tc.want < 0 {
				if got != nil {
					t.Fatalf("tracing %+v, want none", got)
				}
				return
			}
			if got == nil || got.SamplingPercent != tc.want || got.ServiceName != "api.shop" || got.Cluster != "tracing|127.0.0.1:4317" {
				t.Fatalf("tracing %+v, want %v %% to tracing|127.0.0.1:4317 as api.shop", got, tc.want)
			}
			if len(b.ir.Clusters) != 1 || b.ir.Clusters[0].Protocol != "GRPC" {
				t.Fatalf("collector cluster %+v", b.ir.Clusters)
			}
		})
	}
}
