package proxy

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/httpx"
)

type retainRecorder struct {
	inUse []string
	grace time.Duration
}

func (r *retainRecorder) NewFilter(context.Context, *config.WasmFilter) (httpx.Filter, error) {
	return nil, ErrNoWasm
}

func (r *retainRecorder) Retain(inUse []*config.WasmFilter, grace time.Duration) {
	r.inUse, r.grace = nil, grace
	for _, c := range inUse {
		r.inUse = append(r.inUse, c.Name)
	}
}

var _ WasmRetainer = (*retainRecorder)(nil)

// TestRetainWasmSeesEveryConfig: the factory hears of every Wasm config the
// state holds (inline HTTP filters, network filters, default chains, ECDS
// extensions of wanted and active listeners), with the drain time as grace.
func TestRetainWasmSeesEveryConfig(t *testing.T) {
	st := newState()
	hcm := func(names ...string) *config.HTTPConnectionManager {
		h := &config.HTTPConnectionManager{}
		for _, n := range names {
			h.Filters = append(h.Filters, config.HTTPFilter{Kind: config.FilterWasm, Wasm: &config.WasmFilter{Name: n}})
		}
		h.Filters = append(h.Filters, config.HTTPFilter{Kind: config.FilterWasm, ECDSName: "ext"}) // resolved below
		return h
	}
	st.listeners["new"] = &config.Listener{Name: "new", FilterChains: []config.FilterChain{
		{HTTP: hcm("http-new")},
		{NetWasm: []config.WasmFilter{{Name: "net"}}},
	}, DefaultChain: &config.FilterChain{HTTP: hcm("default-chain")}}
	st.active["old"] = &config.Listener{Name: "old", FilterChains: []config.FilterChain{{HTTP: hcm("http-old")}}}
	st.extensions["ext"] = &config.HTTPFilter{Kind: config.FilterWasm, Wasm: &config.WasmFilter{Name: "ecds"}}

	r := &retainRecorder{}
	p := &Proxy{cfg: Config{Wasm: r, Drain: 3 * time.Second}, state: st}
	p.retainWasmLocked()
	got := slices.Sorted(slices.Values(r.inUse))
	got = slices.Compact(got)
	want := []string{"default-chain", "ecds", "http-new", "http-old", "net"}
	if !slices.Equal(got, want) {
		t.Fatalf("retained %v, want %v", got, want)
	}
	if r.grace != 4*time.Second {
		t.Fatalf("grace %v, want the drain time and a second", r.grace)
	}
}
