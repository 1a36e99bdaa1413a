package meshctl

import (
	"testing"

	"github.com/wasmesh/wasmesh/control/pilot/xds"
)

func TestTypeState(t *testing.T) {
	const cds = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	for _, c := range []struct {
		name       string
		ts         *xds.TypeStatus
		want       string
		cell, nack string
	}{
		{"not subscribed", nil, "v2", "NOT SENT", ""},
		{"synced", &xds.TypeStatus{Sent: "v2", Acked: "v2"}, "v2", "SYNCED (v2)", ""},
		{"stale", &xds.TypeStatus{Sent: "v3", Acked: "v2"}, "v3", "STALE (sent v3, acked v2)", ""},
		{"nacked", &xds.TypeStatus{Sent: "0123456789", Acked: "v1", Nacked: "0123456789", Error: "bad cluster"}, "0123456789",
			"NACKED (01234567)", "bad cluster"},
		{"acked again after a nack", &xds.TypeStatus{Sent: "v4", Acked: "v4", Nacked: "v3", Error: "old"}, "v4", "SYNCED (v4)", ""},
	} {
		p := xds.ProxyStatus{Types: map[string]*xds.TypeStatus{}, Want: map[string]string{cds: c.want}}
		if c.ts != nil {
			p.Types[cds] = c.ts
		}
		cell, nack := typeState(p, cds)
		if cell != c.cell || nack != c.nack {
			t.Errorf("%s: %q %q, want %q %q", c.name, cell, nack, c.cell, c.nack)
		}
	}
}
