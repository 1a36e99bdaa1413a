package pilot

import "testing"

// TestPruneFilters: only Wasm filters a listener references are pushed over
// ECDS, so the proxy's ECDS request covers the whole snapshot.
func TestPruneFilters(t *testing.T) {
	b := &builder{ir: &IR{
		Listeners: []ListenerIR{{Name: "in", Chains: []ChainIR{
			{HTTP: &HTTPChain{Filters: []HTTPFilterIR{{Name: "shop.authz", ECDS: true}, {Name: FilterFault}}}},
			{TCPCluster: "tcp"},
		}}},
		Filters: []WasmFilterIR{{Name: "shop.authz"}, {Name: "shop.client-only"}},
	}}
	b.pruneFilters()
	if len(b.ir.Filters) != 1 || b.ir.Filters[0].Name != "shop.authz" {
		t.Fatalf("filters after pruning: %+v", b.ir.Filters)
	}
}
