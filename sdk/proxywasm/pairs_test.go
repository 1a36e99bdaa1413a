package proxywasm

import (
	"bytes"
	"testing"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

func toABI(kv [][2]string) []abi.Pair {
	var ps []abi.Pair
	for _, p := range kv {
		ps = append(ps, abi.Pair{Key: p[0], Value: p[1]})
	}
	return ps
}

// samePairs reports whether the SDK's pairs equal abi.DecodeMap's.
func samePairs(kv [][2]string, ps []abi.Pair) bool {
	if len(kv) != len(ps) {
		return false
	}
	for i, p := range ps {
		if kv[i] != [2]string{p.Key, p.Value} {
			return false
		}
	}
	return true
}

func TestPairsMatchABI(t *testing.T) {
	for _, kv := range [][][2]string{
		nil,
		{},
		{{":method", "GET"}},
		{{":path", "/a?b=c"}, {"", ""}, {"x-dup", "1"}, {"x-dup", "2"}, {"bin", "\x00\xff"}},
	} {
		b := appendPairs(nil, kv)
		if want := abi.EncodeMap(nil, toABI(kv)); !bytes.Equal(b, want) {
			t.Errorf("appendPairs(%q) = %x, abi.EncodeMap %x", kv, b, want)
		}
		if pre := appendPairs([]byte("pre"), kv); !bytes.Equal(pre[3:], b) || string(pre[:3]) != "pre" {
			t.Errorf("appendPairs after a prefix = %x", pre)
		}
		got, ok := decodePairs(b)
		if !ok || !samePairs(got, toABI(kv)) {
			t.Errorf("decodePairs(appendPairs(%q)) = %q, %v", kv, got, ok)
		}
	}
	for _, b := range [][]byte{{0}, nil} {
		if kv, ok := decodePairs(b); !ok || kv != nil {
			t.Errorf("decodePairs(%x) = %q, %v; want the empty map", b, kv, ok)
		}
	}
}

func TestDecodePairsMalformed(t *testing.T) {
	valid := appendPairs(nil, [][2]string{{"k", "v"}})
	for name, b := range map[string][]byte{
		"short count":     {1, 0},
		"count too large": {9, 0, 0, 0, 1, 0, 0, 0},
		"key overruns":    append(append([]byte{}, valid[:4]...), append([]byte{200, 0, 0, 0}, valid[8:]...)...),
		"value overruns":  append(append([]byte{}, valid[:8]...), append([]byte{200, 0, 0, 0}, valid[12:]...)...),
		"key without NUL": append(append([]byte{}, valid[:13]...), 'x', 'v', 0),
		"value no NUL":    append(append([]byte{}, valid[:len(valid)-1]...), 'x'),
		"truncated":       valid[:len(valid)-1],
	} {
		if kv, ok := decodePairs(b); ok {
			t.Errorf("%s: decodePairs(%x) = %q, accepted", name, b, kv)
		}
		if _, err := abi.DecodeMap(b); err == nil {
			t.Errorf("%s: abi.DecodeMap accepts %x: the case is not malformed", name, b)
		}
	}
}

// FuzzDecodePairs checks the zero-copy decoder against abi.DecodeMap: the
// same input is accepted or refused by both, with the same pairs, and
// re-encoding gives abi.EncodeMap's bytes.
func FuzzDecodePairs(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0})
	f.Add(appendPairs(nil, [][2]string{{":path", "/"}, {"a", ""}}))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		kv, ok := decodePairs(b)
		ps, err := abi.DecodeMap(b)
		if ok != (err == nil) {
			t.Fatalf("decodePairs ok=%v, abi.DecodeMap err=%v for %x", ok, err, b)
		}
		if !ok {
			return
		}
		if !samePairs(kv, ps) {
			t.Fatalf("decodePairs = %q, abi.DecodeMap = %q", kv, ps)
		}
		if got, want := appendPairs(nil, kv), abi.EncodeMap(nil, ps); !bytes.Equal(got, want) {
			t.Fatalf("appendPairs = %x, abi.EncodeMap = %x", got, want)
		}
	})
}

func TestAppendPathMatchesABI(t *testing.T) {
	for _, p := range [][]string{{"request", "path"}, {"a"}, {"", "x", ""}, {"connection", "uri_san_peer_certificate"}} {
		if got, want := appendPath(nil, p), abi.EncodePropertyPath(p...); !bytes.Equal(got, want) {
			t.Errorf("appendPath(%q) = %q, abi.EncodePropertyPath %q", p, got, want)
		}
		if got := encodePath(p); !bytes.Equal(got, abi.EncodePropertyPath(p...)) {
			t.Errorf("encodePath(%q) = %q", p, got)
		}
	}
}
