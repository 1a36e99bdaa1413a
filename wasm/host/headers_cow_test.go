package host

import (
	"slices"
	"testing"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// TestHeaderEditsNeverOverwrite pins what Headers promises and
// proxy/wasmfilter relies on to spot a guest's changes without a copy: no
// edit writes over a pair the slice held when the proxy passed it.
func TestHeaderEditsNeverOverwrite(t *testing.T) {
	orig := make([]abi.Pair, 3, 8) // spare capacity: appends must not matter either
	copy(orig, []abi.Pair{{Key: ":path", Value: "/"}, {Key: "a", Value: "1"}, {Key: "b", Value: "2"}})
	want := slices.Clone(orig)
	sent := orig[:len(orig):len(orig)]
	for name, edit := range map[string]func(Headers) Headers{
		"replace existing": func(h Headers) Headers { return headerReplace(h, "A", "x") },
		"replace missing":  func(h Headers) Headers { return headerReplace(h, "c", "3") },
		"remove":           func(h Headers) Headers { return headerRemove(h, "a") },
		"add":              func(h Headers) Headers { return append(h, abi.Pair{Key: "a", Value: "again"}) },
		"replace first":    func(h Headers) Headers { return headerReplace(h, ":path", "/x") },
	} {
		h := orig
		for range 3 {
			h = edit(h)
		}
		if !slices.Equal(sent, want) {
			t.Fatalf("%s overwrote the pairs the proxy sent: %v", name, sent)
		}
	}
}
