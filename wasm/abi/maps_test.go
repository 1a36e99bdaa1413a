package abi

import (
	"errors"
	"reflect"
	"testing"
)

func TestMapRoundTrip(t *testing.T) {
	cases := [][]Pair{
		nil,
		{{":method", "GET"}},
		{{":path", "/a?b=c"}, {"x-dup", "1"}, {"x-dup", "2"}, {"empty", ""}},
	}
	for _, pairs := range cases {
		b := EncodeMap(nil, pairs)
		if len(b) != EncodedMapSize(pairs) {
			t.Fatalf("size %d, want %d", len(b), EncodedMapSize(pairs))
		}
		got, err := DecodeMap(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(pairs) == 0 && len(got) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, pairs) {
			t.Fatalf("got %v, want %v", got, pairs)
		}
	}
}

func TestDecodeMapMalformed(t *testing.T) {
	good := EncodeMap(nil, []Pair{{"k", "v"}})
	bad := map[string][]byte{
		"short":        {1, 0},
		"huge count":   {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0},
		"truncated":    good[:len(good)-1],
		"no NUL":       append(append([]byte{}, good[:len(good)-1]...), 'x'),
		"key overruns": {1, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	}
	for name, b := range bad {
		if _, err := DecodeMap(b); !errors.Is(err, ErrMalformedMap) {
			t.Errorf("%s: err = %v, want ErrMalformedMap", name, err)
		}
	}
	if p, err := DecodeMap([]byte{0}); err != nil || p != nil {
		t.Errorf("single NUL: %v %v", p, err)
	}
}

func TestPropertyPath(t *testing.T) {
	b := EncodePropertyPath("request", "headers", "x-a")
	if got := DecodePropertyPath(b); !reflect.DeepEqual(got, []string{"request", "headers", "x-a"}) {
		t.Fatal(got)
	}
	if got := DecodePropertyPath(append(b, 0)); len(got) != 3 {
		t.Fatal(got)
	}
	if DecodePropertyPath(nil) != nil {
		t.Fatal("empty path")
	}
}

func FuzzDecodeMap(f *testing.F) {
	f.Add(EncodeMap(nil, []Pair{{"a", "b"}, {"c", ""}}))
	f.Add([]byte{0})
	f.Add([]byte{2, 0, 0, 0, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		pairs, err := DecodeMap(b)
		if err != nil {
			return
		}
		again, err := DecodeMap(EncodeMap(nil, pairs))
		if err != nil || len(again) != len(pairs) {
			t.Fatalf("re-encode of %v: %v %v", pairs, again, err)
		}
	})
}
