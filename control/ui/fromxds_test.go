package ui

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wasmesh/wasmesh/control/pilot"
	"github.com/wasmesh/wasmesh/control/pilot/xds"
)

func TestProxiesFromXDS(t *testing.T) {
	at := time.Unix(1700000000, 0).UTC()
	const lds, cds = "type.googleapis.com/envoy.config.listener.v3.Listener", "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	got := ProxiesFromXDS([]xds.ProxyStatus{
		{ID: "sidecar~10.0.0.7~reviews-v3-1.bookinfo~bookinfo.svc.cluster.local", Streams: 1,
			Node: pilot.Node{Workload: "reviews-v3", Namespace: "bookinfo"},
			Types: map[string]*xds.TypeStatus{
				lds: {Sent: "8", Acked: "7", Nacked: "8", Error: "unsupported filter", At: at},
				cds: {Sent: "8", Acked: "8", Nacked: "6", Error: "old news", At: at},
			}},
		{ID: "router~10.0.0.9~gw.istio-system~istio-system.svc.cluster.local", Node: pilot.Node{Name: "gw", Namespace: "istio-system"}},
	})
	want := []ProxyStatus{
		{ID: "sidecar~10.0.0.7~reviews-v3-1.bookinfo~bookinfo.svc.cluster.local", Workload: "reviews-v3", Namespace: "bookinfo", Connected: true,
			Types: []TypeSync{
				{TypeURL: cds, Sent: "8", ACKed: "8", At: at},
				{TypeURL: lds, Sent: "8", ACKed: "7", NACKed: "8", NACKReason: "unsupported filter", At: at},
			}},
		{ID: "router~10.0.0.9~gw.istio-system~istio-system.svc.cluster.local", Workload: "gw", Namespace: "istio-system"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ProxiesFromXDS (-want +got):\n%s", d)
	}
}

// fakeXDS answers like xds.Server for two proxies, one without a pushed IR.
type fakeXDS struct{}

func (fakeXDS) Status() []xds.ProxyStatus {
	return []xds.ProxyStatus{{ID: "a", Streams: 1, Node: pilot.Node{Workload: "reviews-v1", Namespace: "bookinfo"}}, {ID: "b"}}
}

func (fakeXDS) Config(id string) (*pilot.IR, bool) {
	if id != "a" {
		return nil, false
	}
	return &pilot.IR{Node: pilot.Node{Service: "reviews", Namespace: "bookinfo"},
		Filters: []pilot.WasmFilterIR{{Name: "bookinfo.telemetry", Phase: "STATS", SHA256: "0e9d"}}}, true
}

func TestSourcesFromXDS(t *testing.T) {
	var src Sources
	src.FromXDS(fakeXDS{})
	if ps := src.Proxies(); len(ps) != 2 || !ps[0].Connected || ps[0].Workload != "reviews-v1" {
		t.Errorf("proxies: %+v", ps)
	}
	cs := src.Config()
	if len(cs) != 1 || cs[0].Service != "reviews.bookinfo" || cs[0].Filters[0].Digest != "sha256:0e9d" {
		t.Errorf("config: %+v", cs)
	}
}
