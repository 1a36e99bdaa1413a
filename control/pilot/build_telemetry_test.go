package pilot

import (
	"testing"

	"github.com/wasmesh/wasmesh/control/api"
)

// TestModeApplies: Telemetry's match.mode selects by traffic direction, and
// a gateway's traffic counts as CLIENT, as Istio documents.
func TestModeApplies(t *testing.T) {
	for _, c := range []struct {
		mode    api.WorkloadMode
		dir     Direction
		gateway bool
		want    bool
	}{
		{"", Inbound, false, true},
		{api.WorkloadModeClientServer, Outbound, false, true},
		{api.WorkloadModeUnspecified, Inbound, false, true},
		{api.WorkloadModeClient, Outbound, false, true},
		{api.WorkloadModeClient, Inbound, false, false},
		{api.WorkloadModeServer, Inbound, false, true},
		{api.WorkloadModeServer, Outbound, false, false},
		{api.WorkloadModeClient, Outbound, true, true},
		{api.WorkloadModeServer, Outbound, true, false},
	} {
		if got := modeApplies(&api.TelemetryMatch{Mode: c.mode}, c.dir, c.gateway); got != c.want {
			t.Errorf("mode %q, %s, gateway %v: got %v, want %v", c.mode, c.dir, c.gateway, got, c.want)
		}
	}
	if !modeApplies(nil, Inbound, false) {
		t.Error("no match: want every direction")
	}
}
