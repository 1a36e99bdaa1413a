package pilot

import (
	"sort"

	"github.com/wasmesh/wasmesh/control/api"
)

// applyNetworkWasm puts the NETWORK WasmPlugins selecting the proxy ahead
// of tcp_proxy on every TCP chain they match, as Istio does: in phase order
// (AUTHN, AUTHZ, STATS, unspecified), then by priority (higher first) and
// name; a plugin's match ports against the chain's port, its match mode
// against the listener's direction (inbound: SERVER, outbound: CLIENT;
// gateways take every plugin). meshproxy runs network filters only ahead of
// tcp_proxy, so HTTP chains go without them (with a warning). A fail-closed
// plugin whose module is unavailable sends its chains' connections to the
// BlackHoleCluster, refusing them as Istio's deny-all substitute does.
func (b *builder) applyNetworkWasm() {
	fs := b.ir.NetworkFilters
	if len(fs) == 0 {
		return
	}
	sort.SliceStable(fs, func(i, j int) bool {
		a, c := fs[i], fs[j]
		if phaseRank(a.Phase) != phaseRank(c.Phase) {
			return phaseRank(a.Phase) < phaseRank(c.Phase)
		}
		if a.Priority != c.Priority {
			return a.Priority > c.Priority
		}
		return a.Name < c.Name
	})
	skippedHTTP := map[string]bool{}
	denied := map[string]bool{}
	for li := range b.ir.Listeners {
		l := &b.ir.Listeners[li]
		mode := api.WorkloadModeClient
		if l.Direction == Inbound {
			mode = api.WorkloadModeServer
		}
		chains := make([]*ChainIR, 0, len(l.Chains)+1)
		for i := range l.Chains {
			chains = append(chains, &l.Chains[i])
		}
		if l.Default != nil {
			chains = append(chains, l.Default)
		}
		for _, c := range chains {
			port := c.DestPort
			if port == 0 {
				port = l.Port
			}
			b.networkWasmChain(c, fs, mode, port, skippedHTTP, denied)
		}
	}
	for _, f := range fs {
		if skippedHTTP[f.Name] {
			b.warn("WasmPlugin %s: NETWORK plugins run only ahead of tcp_proxy; the HTTP chains it matches go without it", f.Name)
		}
		if denied[f.Name] {
			b.warn("WasmPlugin %s: module unavailable; FAIL_CLOSE, so the TCP connections it matches are refused until it is", f.Name)
		}
	}
}

// networkWasmChain attaches the matching plugins of fs to one chain.
func (b *builder) networkWasmChain(c *ChainIR, fs []WasmFilterIR, mode api.WorkloadMode, port uint32, skippedHTTP, denied map[string]bool) {
	if c.TCPCluster == BlackHoleCluster && len(c.TCPWeighted) == 0 {
		return // refused anyway
	}
	for _, f := range fs {
		if !f.applies(mode, port, b.node.Type) {
			continue
		}
		switch {
		case c.HTTP != nil:
			skippedHTTP[f.Name] = true
		case f.Unavailable:
			denied[f.Name] = true
			c.TCPCluster, c.TCPWeighted, c.NetworkWasm = BlackHoleCluster, nil, nil
			return
		default:
			c.NetworkWasm = append(c.NetworkWasm, f)
		}
	}
}
