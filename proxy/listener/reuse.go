package listener

import (
	"reflect"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// reuser hands out the running chains that a listener's new config keeps
// unchanged, as Envoy's in-place filter chain update does: when only filter
// chains changed, connections on the chains that stayed the same are not
// drained. Any other change to the listener rebuilds every chain.
type reuser struct {
	free []*chain // running chains not handed out yet
	kept map[*chain]bool
}

func newReuser(prev, next *config.Listener, running *chainSet) *reuser {
	r := &reuser{kept: map[*chain]bool{}}
	if prev == nil || running == nil || !sameOutsideChains(prev, next) {
		return r
	}
	for _, c := range running.chains {
		r.free = append(r.free, c)
	}
	return r
}

// take returns a running chain whose config equals fc, or nil.
func (r *reuser) take(fc *config.FilterChain) *chain {
	for i, c := range r.free {
		if reflect.DeepEqual(c.cfg, fc) {
			r.free = append(r.free[:i], r.free[i+1:]...)
			r.kept[c] = true
			return c
		}
	}
	return nil
}

// sameOutsideChains reports whether two listener configs differ at most in
// their filter chains (NeedsTLSPeek follows from the chains).
func sameOutsideChains(a, b *config.Listener) bool {
	x, y := *a, *b
	x.FilterChains, y.FilterChains = nil, nil
	x.DefaultChain, y.DefaultChain = nil, nil
	x.NeedsTLSPeek, y.NeedsTLSPeek = false, false
	return reflect.DeepEqual(x, y)
}
