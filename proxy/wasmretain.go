package proxy

import (
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// WasmRetainer is a WasmFactory that closes the plugins no config uses any
// more (wasmfilter.Factory): without it every pushed change of a Wasm
// filter would keep its predecessor's instances for the proxy's life.
type WasmRetainer interface {
	Retain(inUse []*config.WasmFilter, grace time.Duration)
}

// retainWasmLocked tells the factory which Wasm configs the accepted state
// holds: every listener wanted or active, and every extension config. The
// grace covers chains still draining with the plugins they were built with.
func (p *Proxy) retainWasmLocked() {
	r, ok := p.cfg.Wasm.(WasmRetainer)
	if !ok {
		return
	}
	r.Retain(p.state.wasmInUse(), p.cfg.Drain+time.Second)
}

// wasmInUse lists the Wasm filter configs the state references.
func (s *state) wasmInUse() []*config.WasmFilter {
	var out []*config.WasmFilter
	for _, ls := range []map[string]*config.Listener{s.listeners, s.active} {
		for _, l := range ls {
			chains := l.FilterChains
			if l.DefaultChain != nil {
				chains = append(chains[:len(chains):len(chains)], *l.DefaultChain)
			}
			for i := range chains {
				fc := &chains[i]
				for j := range fc.NetWasm {
					out = append(out, &fc.NetWasm[j])
				}
				if fc.HTTP == nil {
					continue
				}
				for _, f := range fc.HTTP.Filters {
					if f.Wasm != nil {
						out = append(out, f.Wasm)
					}
				}
			}
		}
	}
	for _, f := range s.extensions {
		if f.Wasm != nil {
			out = append(out, f.Wasm)
		}
	}
	return out
}
