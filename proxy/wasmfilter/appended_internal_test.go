package wasmfilter

import (
	"net/http"
	"slices"
	"testing"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

func TestAppended(t *testing.T) {
	sent := []abi.Pair{{Key: ":path", Value: "/"}, {Key: "a", Value: "1"}}
	for _, tt := range []struct {
		name  string
		now   []abi.Pair
		added []abi.Pair
		ok    bool
	}{
		{"unchanged", sent, []abi.Pair{}, true},
		{"one added", append(slices.Clone(sent), abi.Pair{Key: "x-peer", Value: "p"}), []abi.Pair{{Key: "x-peer", Value: "p"}}, true},
		{"value changed", []abi.Pair{{Key: ":path", Value: "/"}, {Key: "a", Value: "2"}}, nil, false},
		{"removed", sent[:1], nil, false},
		{"pseudo-header added", append(slices.Clone(sent), abi.Pair{Key: ":authority", Value: "h"}), nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			added, ok := appended(snapshot(sent), tt.now)
			if ok != tt.ok || (ok && !slices.Equal(added, tt.added)) {
				t.Fatalf("appended = %v %v, want %v %v", added, ok, tt.added, tt.ok)
			}
		})
	}
}

// TestApplyRequestRewrites: a guest's general edit (not only appends)
// rebuilds the request from its view.
func TestApplyRequestRewrites(t *testing.T) {
	r, _ := http.NewRequest("GET", "http://h/old?q=1", nil)
	r.Header.Set("A", "1")
	applyRequest(r, []abi.Pair{{Key: ":method", Value: "POST"}, {Key: ":path", Value: "/new?q=2"}, {Key: ":authority", Value: "other"}, {Key: "b", Value: "2"}})
	if r.Method != "POST" || r.URL.Path != "/new" || r.URL.RawQuery != "q=2" || r.Host != "other" || r.Header.Get("A") != "" || r.Header.Get("B") != "2" {
		t.Fatalf("request after apply: %s %s host %s headers %v", r.Method, r.URL, r.Host, r.Header)
	}
}
