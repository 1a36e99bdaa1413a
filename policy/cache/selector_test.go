package cache

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestSelect(t *testing.T) {
	paths := [][]string{
		{"source", "principal"},
		{"request", "headers", "x-user"},
		{"items", "1"},
		{"request", "path"},
		{"missing"},
	}
	tests := []struct {
		name string
		doc  string
		want []string // "" means absent
	}{
		{
			name: "all present",
			doc:  `{"source":{"principal":"spiffe://a"},"request":{"path":"/api","headers":{"x-user":"bob"}},"items":[1,{"k":true}]}`,
			want: []string{`"spiffe://a"`, `"bob"`, `{"k":true}`, `"/api"`, ""},
		},
		{
			name: "absent and whitespace",
			doc:  " { \"request\" : { \"path\" : [ 1 , 2 ] } } ",
			want: []string{"", "", "", "[ 1 , 2 ]", ""},
		},
		{
			name: "last duplicate wins and clears the subtree",
			doc:  `{"request":{"path":"/a","headers":{"x-user":"x"}},"request":{"path":"/b"}}`,
			want: []string{"", "", "", `"/b"`, ""},
		},
		{
			name: "escaped key matches",
			doc:  `{"source":{"princip\u0061l":"p"}}`,
			want: []string{`"p"`, "", "", "", ""},
		},
		{
			name: "type mismatch is absent",
			doc:  `{"source":"str","items":{"1":5}}`,
			want: []string{"", "", `5`, "", ""},
		},
		{
			name: "not an object",
			doc:  `[1,2,3]`,
			want: []string{"", "", "", "", ""},
		},
	}
	s := NewSelector(paths)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Select([]byte(tt.doc), nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				if string(got[i]) != tt.want[i] || (got[i] == nil) != (tt.want[i] == "") {
					t.Errorf("path %v = %q, want %q", paths[i], got[i], tt.want[i])
				}
			}
		})
	}
}

func TestSelectRejectsInvalid(t *testing.T) {
	s := NewSelector([][]string{{"a"}})
	for _, doc := range []string{
		``, `{`, `{"a":}`, `{"a":1,}`, `[1,]`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`,
		`{"a":tru}`, `{"a":"x}`, "{\"a\":\"\x01\"}", `{"a":"\q"}`, `{"a":"\u12"}`, `{"a":1} x`, `{a:1}`,
	} {
		if _, err := s.Select([]byte(doc), nil); !errors.Is(err, ErrSyntax) {
			t.Errorf("Select(%q) error = %v, want ErrSyntax", doc, err)
		}
	}
}

func TestSelectDepthLimit(t *testing.T) {
	doc := make([]byte, 0, 2*(maxDepth+10))
	for range maxDepth + 10 {
		doc = append(doc, '[')
	}
	for range maxDepth + 10 {
		doc = append(doc, ']')
	}
	if _, err := NewSelector(nil).Select(doc, nil); !errors.Is(err, ErrSyntax) {
		t.Fatalf("deep document: error = %v, want ErrSyntax", err)
	}
}

// FuzzSelect checks the scanner against encoding/json: it accepts exactly
// the documents json.Valid accepts (up to the depth limit), and the value it
// selects at "a" decodes to what encoding/json finds there.
func FuzzSelect(f *testing.F) {
	for _, seed := range []string{`{"a":{"b":1}}`, `{"a":[1,"x",null]}`, `[1,2]`, `"s"`, `{"a":1,"a":2}`, `{"\u0061":true}`, `{"a":"\ud83d\ude00"}`, `1e5`, `{"a":}`} {
		f.Add([]byte(seed))
	}
	s := NewSelector([][]string{{"a"}, {"a", "b"}})
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, err := s.Select(doc, nil)
		if valid := json.Valid(doc); valid != (err == nil) {
			if valid && errors.Is(err, ErrSyntax) && len(doc) > maxDepth {
				return // nested deeper than we allow
			}
			t.Fatalf("Select(%q) err = %v, json.Valid = %v", doc, err, valid)
		}
		if err != nil {
			return
		}
		var whole any
		if err := json.Unmarshal(doc, &whole); err != nil {
			return
		}
		obj, ok := whole.(map[string]any)
		want, present := obj["a"]
		if !ok || !present {
			if got[0] != nil {
				t.Fatalf("selected %q where encoding/json has no a", got[0])
			}
			return
		}
		var val any
		if err := json.Unmarshal(got[0], &val); err != nil {
			t.Fatalf("selected value %q does not decode: %v", got[0], err)
		}
		if !reflect.DeepEqual(val, want) {
			t.Fatalf("selected %v, encoding/json has %v", val, want)
		}
	})
}
