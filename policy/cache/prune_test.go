package cache

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
)

func TestAppendKeyInput(t *testing.T) {
	tests := []struct {
		name   string
		fields Fields
		input  string
		want   string
	}{
		{
			name:   "referenced fields only",
			fields: Fields{Paths: [][]string{{"request", "path"}, {"source", "principal"}, {"request", "method"}}},
			input:  `{"source":{"principal":"p","ip":"10.0.0.1"},"request":{"method":"GET","path":"/a","headers":{"x":"y"}},"connection":{"mtls":true}}`,
			want:   `{"request":{"method":"GET","path":"/a"},"source":{"principal":"p"}}`,
		},
		{
			name:   "absent paths and their empty objects left out",
			fields: Fields{Paths: [][]string{{"request", "path"}, {"source", "principal"}}},
			input:  `{"source":"not an object","request":{"path":null}}`,
			want:   `{"request":{"path":null}}`,
		},
		{
			name:   "array index keeps the whole array",
			fields: Fields{Paths: [][]string{{"items", "1", "name"}, {"a", "b"}}},
			input:  `{"items":[{"name":"x"},{"name":"y"}],"a":{"b":[1, 2],"c":3}}`,
			want:   `{"a":{"b":[1, 2]},"items":[{"name":"x"},{"name":"y"}]}`,
		},
		{
			name:   "index at the root is the whole input",
			fields: Fields{Paths: [][]string{{"0"}, {"a"}}},
			input:  `[1,2]`,
			want:   `[1,2]`,
		},
		{
			name:   "escaped and duplicate keys",
			fields: Fields{Paths: [][]string{{"a\"b"}, {"c"}}},
			input:  `{"a\u0022b":1,"c":{"x":1},"c":{"y":2}}`,
			want:   `{"a\"b":1,"c":{"y":2}}`,
		},
		{
			name:   "no referenced field",
			fields: Fields{},
			input:  `{"a":1}`,
			want:   `{}`,
		},
		{
			name:   "whole input",
			fields: Fields{Whole: true},
			input:  ` {"a":1} `,
			want:   `{"a":1}`,
		},
		{
			name:   "not cacheable still pruned",
			fields: Fields{NoCache: true, Paths: [][]string{{"a"}}},
			input:  `{"a":1,"b":2}`,
			want:   `{"a":1}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := NewKeyer(tt.fields)
			key, in, ok, err := k.AppendKeyInput(nil, nil, []byte(tt.input))
			if err != nil || string(in) != tt.want {
				t.Fatalf("input = %s, %v; want %s", in, err, tt.want)
			}
			if ok == tt.fields.NoCache {
				t.Fatalf("cacheable = %v with fields %+v", ok, tt.fields)
			}
			want, wantOK, err := k.AppendKey(nil, []byte(tt.input))
			if err != nil || string(key) != string(want) || ok != wantOK {
				t.Fatalf("key = %q, %v; AppendKey says %q, %v, %v", key, ok, want, wantOK, err)
			}
		})
	}
	if _, _, _, err := NewKeyer(Fields{Paths: [][]string{{"a"}}}).AppendKeyInput(nil, nil, []byte(`{"a":`)); err == nil {
		t.Fatal("invalid input accepted")
	}
}

// fuzzPaths are referenced paths through objects, arrays and both.
var fuzzPaths = [][]string{{"a"}, {"b", "c"}, {"b", "d", "e"}, {"f", "0"}, {"g", "1", "h"}}

// FuzzAppendKeyInput checks the referenced part of an input against
// encoding/json: it is valid JSON, and every referenced path holds the same
// value in it as in the input (or is absent from both).
func FuzzAppendKeyInput(f *testing.F) {
	for _, seed := range []string{
		`{"a":1,"b":{"c":[1],"d":{"e":null,"z":1}},"f":[1,2],"g":[{"h":1},{"h":2}],"x":"y"}`,
		`{"b":"s","f":{"0":1},"g":{"1":{"h":true}}}`, `{"a":1,"a":{"b":2}}`, `[1]`, `"s"`, `{"b":{"c":1},"b":{}}`,
	} {
		f.Add([]byte(seed))
	}
	k := NewKeyer(Fields{Paths: fuzzPaths})
	f.Fuzz(func(t *testing.T, doc []byte) {
		_, in, _, err := k.AppendKeyInput(nil, nil, doc)
		if err != nil {
			return
		}
		var orig, pruned any
		if err := json.Unmarshal(doc, &orig); err != nil {
			return // deeper than encoding/json allows
		}
		if err := json.Unmarshal(in, &pruned); err != nil {
			t.Fatalf("referenced part %s of %s: %v", in, doc, err)
		}
		for _, p := range fuzzPaths {
			want, wantOK := lookup(orig, p)
			got, gotOK := lookup(pruned, p)
			if wantOK != gotOK || !reflect.DeepEqual(want, got) {
				t.Fatalf("path %v: %v (%v) in %s, %v (%v) in %s", p, got, gotOK, in, want, wantOK, doc)
			}
		}
	})
}

// lookup walks path through objects (by key) and arrays (by index).
func lookup(v any, path []string) (any, bool) {
	for _, k := range path {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}
