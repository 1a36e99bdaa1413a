package cache

import (
	"bytes"
	"testing"
)

func TestKeyer(t *testing.T) {
	f := Fields{Paths: [][]string{{"request", "path"}, {"source", "principal"}, {"request", "path", "deeper"}}}
	k := NewKeyer(f)
	key := func(doc string) []byte {
		t.Helper()
		b, ok, err := k.AppendKey(nil, []byte(doc))
		if err != nil || !ok {
			t.Fatalf("AppendKey(%s) = %v, %v", doc, ok, err)
		}
		return b
	}
	base := key(`{"request":{"path":"/a","method":"GET"},"source":{"principal":"p"}}`)
	if !bytes.Equal(base, key(`{"source":{"principal":"p"},"request":{"method":"POST","path":"/a"},"other":1}`)) {
		t.Error("unreferenced fields changed the key")
	}
	for _, doc := range []string{
		`{"request":{"path":"/b"},"source":{"principal":"p"}}`,
		`{"request":{"path":"/a"}}`,
		`{"request":{"path":"/a"},"source":{"principal":null}}`,
	} {
		if bytes.Equal(base, key(doc)) {
			t.Errorf("key of %s equals the base key", doc)
		}
	}
	if len(k.sel.root.keys) != 2 || k.sel.Len() != 2 {
		t.Errorf("covered path not dropped: %d paths", k.sel.Len())
	}
	// Absent vs empty string must differ even when adjacent values could run together.
	k2 := NewKeyer(Fields{Paths: [][]string{{"a"}, {"b"}}})
	a, _, _ := k2.AppendKey(nil, []byte(`{"a":"x"}`))
	b, _, _ := k2.AppendKey(nil, []byte(`{"b":"x"}`))
	if bytes.Equal(a, b) {
		t.Error("a=x and b=x share a key")
	}
}

func TestKeyerWholeAndNoCache(t *testing.T) {
	whole := NewKeyer(Fields{Whole: true})
	a, ok, err := whole.AppendKey(nil, []byte(` {"x":1} `))
	if err != nil || !ok || string(a) != "\x01\x07{\"x\":1}" {
		t.Fatalf("whole key = %q, %v, %v", a, ok, err)
	}
	if _, _, err := whole.AppendKey(nil, []byte(`{"x":`)); err == nil {
		t.Fatal("whole keyer accepted invalid json")
	}
	if _, ok, _ := NewKeyer(Fields{NoCache: true, Whole: true}).AppendKey(nil, []byte(`{}`)); ok {
		t.Fatal("NoCache keyer produced a key")
	}
}
