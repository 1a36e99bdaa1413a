package pilot

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wasmesh/wasmesh/control/api"
)

func netNames(c ChainIR) []string {
	var out []string
	for _, f := range c.NetworkWasm {
		out = append(out, f.Name)
	}
	return out
}

// TestNetworkWasmChains: phase and priority order, match ports and modes,
// gateways, weighted TCP routes, refused and HTTP chains.
func TestNetworkWasmChains(t *testing.T) {
	plugins := []WasmFilterIR{
		{Name: "ns.unspecified", Phase: api.PhaseUnspecified},
		{Name: "ns.stats-low", Phase: api.PhaseStats, Priority: 1},
		{Name: "ns.stats-high", Phase: api.PhaseStats, Priority: 5},
		{Name: "ns.authz", Phase: api.PhaseAuthz},
		{Name: "ns.authn", Phase: api.PhaseAuthn, Modes: []api.WorkloadMode{api.WorkloadModeServer}},
		{Name: "ns.port-9000", Phase: api.PhaseAuthz, Ports: []uint32{9000}},
	}
	listeners := func() []ListenerIR {
		return []ListenerIR{
			{Name: "in", Port: 15006, Direction: Inbound, Chains: []ChainIR{
				{Name: "tcp-9000", DestPort: 9000, TCPCluster: "inbound|9000||"},
				{Name: "http-8080", DestPort: 8080, HTTP: &HTTPChain{}},
			}, Default: &ChainIR{Name: BlackHoleCluster, TCPCluster: BlackHoleCluster}},
			{Name: "out", Port: 15001, Direction: Outbound, Chains: []ChainIR{
				{Name: "tcp-5432", DestPort: 5432, TCPWeighted: []WeightedCluster{{Cluster: "a", Weight: 50}, {Cluster: "b", Weight: 50}}},
			}},
		}
	}
	cases := []struct {
		name  string
		typ   ProxyType
		want  map[string][]string // chain -> filters
		warns int
	}{
		{"sidecar", SidecarProxy, map[string][]string{
			"tcp-9000": {"ns.authn", "ns.authz", "ns.port-9000", "ns.stats-high", "ns.stats-low", "ns.unspecified"},
			"tcp-5432": {"ns.authz", "ns.stats-high", "ns.stats-low", "ns.unspecified"},
		}, 5},
		{"gateway takes every mode", RouterProxy, map[string][]string{
			"tcp-9000": {"ns.authn", "ns.authz", "ns.port-9000", "ns.stats-high", "ns.stats-low", "ns.unspecified"},
			"tcp-5432": {"ns.authn", "ns.authz", "ns.stats-high", "ns.stats-low", "ns.unspecified"},
		}, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := &builder{node: Node{Type: c.typ}, ir: &IR{Listeners: listeners(), NetworkFilters: append([]WasmFilterIR(nil), plugins...)}}
			b.applyNetworkWasm()
			got := map[string][]string{}
			for _, l := range b.ir.Listeners {
				for _, ch := range append(l.Chains, *orEmpty(l.Default)) {
					if n := netNames(ch); n != nil {
						got[ch.Name] = n
					}
				}
			}
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("filters per chain (-want +got):\n%s", d)
			}
			if len(b.ir.Warnings) != c.warns {
				t.Errorf("warnings %q, want %d (one per plugin skipped on the HTTP chain)", b.ir.Warnings, c.warns)
			}
		})
	}
}

func orEmpty(c *ChainIR) *ChainIR {
	if c == nil {
		return &ChainIR{}
	}
	return c
}

// TestNetworkWasmUnavailableRefuses: a fail-closed plugin without a module
// sends its chains to the BlackHoleCluster; others keep their route.
func TestNetworkWasmUnavailableRefuses(t *testing.T) {
	b := &builder{node: Node{Type: SidecarProxy}, ir: &IR{
		Listeners: []ListenerIR{{Name: "in", Port: 15006, Direction: Inbound, Chains: []ChainIR{
			{Name: "locked", DestPort: 6379, TCPCluster: "inbound|6379||"},
			{Name: "open", DestPort: 5432, TCPCluster: "inbound|5432||"},
		}}},
		NetworkFilters: []WasmFilterIR{{Name: "ns.lock", Unavailable: true, Ports: []uint32{6379}}, {Name: "ns.tap"}},
	}}
	b.applyNetworkWasm()
	ch := b.ir.Listeners[0].Chains
	if ch[0].TCPCluster != BlackHoleCluster || ch[0].NetworkWasm != nil {
		t.Errorf("locked chain: %+v, want the BlackHoleCluster and no filters", ch[0])
	}
	if ch[1].TCPCluster != "inbound|5432||" || len(ch[1].NetworkWasm) != 1 {
		t.Errorf("open chain: %+v, want its route and ns.tap", ch[1])
	}
	if len(b.ir.Warnings) != 1 || !strings.Contains(b.ir.Warnings[0], "ns.lock") {
		t.Errorf("warnings %q", b.ir.Warnings)
	}
}
