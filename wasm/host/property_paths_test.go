package host

import (
	"fmt"
	"slices"
	"testing"
)

func TestDecodedPathCache(t *testing.T) {
	in := &instance{}
	for i := range maxCachedPaths + 10 {
		raw := fmt.Appendf(nil, "request\x00p%d", i)
		for range 2 {
			p, ok := in.decodedPath(raw)
			if !ok || !slices.Equal(p, []string{"request", fmt.Sprintf("p%d", i)}) {
				t.Fatalf("decodedPath(%q) = %q, %v", raw, p, ok)
			}
		}
	}
	if len(in.paths) != maxCachedPaths {
		t.Errorf("%d paths cached, want the bound %d", len(in.paths), maxCachedPaths)
	}
	a, _ := in.decodedPath([]byte("request\x00p0"))
	b, _ := in.decodedPath([]byte("request\x00p0"))
	if &a[0] != &b[0] {
		t.Error("a cached path was decoded again")
	}
	for _, raw := range []string{"", "\x00"} {
		if p, ok := in.decodedPath([]byte(raw)); ok {
			t.Errorf("decodedPath(%q) = %q, accepted", raw, p)
		}
	}
}
