package eval_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/policy/cache"
	"github.com/wasmesh/wasmesh/policy/cases"
	"github.com/wasmesh/wasmesh/policy/compile"
	"github.com/wasmesh/wasmesh/policy/eval"
)

// TestReferencedInputCorpus checks, over the differential corpus, what the
// foreign function relies on when it evaluates only the referenced part of
// an input: the policy gives the same result set on that part as on the
// whole input (with an unreferenced field added too), and the decision
// served equals the one decoded from the whole input's result.
func TestReferencedInputCorpus(t *testing.T) {
	ctx := context.Background()
	files, err := cases.Glob("../testdata/cases/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 15 {
		t.Fatalf("corpus has %d policies, want at least 15", len(files))
	}
	engine, err := eval.New(ctx, eval.Config{Instances: 1, Interpret: true})
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close(ctx)
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			file, src, err := f.Source()
			if err != nil {
				t.Fatal(err)
			}
			data, err := f.DataJSON()
			if err != nil {
				t.Fatal(err)
			}
			c, err := compile.Compile(ctx, compile.Request{
				Modules:     []compile.Module{{File: filepath.Base(file), Source: src}},
				Data:        data,
				Entrypoints: []string{f.Entrypoint},
			})
			if err != nil {
				t.Fatal(err)
			}
			p, err := engine.Load(ctx, c.Wasm, c.Data)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(ctx)
			fields := c.Fields
			fields.NoCache = true // every call evaluates
			engine.Set(f.Name, p, fields)
			defer engine.Remove(f.Name)
			keyer := cache.NewKeyer(fields)
			decide := engine.ForeignFunc()
			ep := strings.ReplaceAll(strings.TrimPrefix(f.Entrypoint, "data."), ".", "/")
			for _, cs := range f.Cases {
				input, err := cs.InputJSON()
				if err != nil {
					t.Fatal(err)
				}
				if input == nil {
					continue // the foreign function always has an input
				}
				for _, in := range [][]byte{input, withUnreferenced(input)} {
					whole, err := p.Eval(ctx, ep, in)
					if err != nil {
						t.Fatalf("%s: %v", cs.Name, err)
					}
					_, part, _, err := keyer.AppendKeyInput(nil, nil, in)
					if err != nil {
						t.Fatalf("%s: %v", cs.Name, err)
					}
					got, err := p.Eval(ctx, ep, part)
					if err != nil || !sameResult(got, whole, cs.Unordered) {
						t.Fatalf("%s: on the referenced part %s: %s, %v; on %s: %s", cs.Name, part, got, err, in, whole)
					}
					want, wantErr := eval.DecodeDecision(whole)
					args := append(append([]byte(`{"policy":"`+f.Name+`","entrypoint":"`+ep+`","input":`), in...), '}')
					d, err := decide(ctx, args)
					if wantErr != nil {
						if !errors.Is(err, eval.ErrBadDecision) {
							t.Fatalf("%s: decision %s, %v; want %v", cs.Name, d, err, wantErr)
						}
						continue
					}
					if err != nil || string(d) != string(mustJSON(t, want)) {
						t.Fatalf("%s: decision %s, %v; want %+v", cs.Name, d, err, want)
					}
				}
			}
		})
	}
}

// withUnreferenced adds a field no corpus policy reads to an object input.
func withUnreferenced(input []byte) []byte {
	if len(input) < 2 || input[0] != '{' {
		return input
	}
	if bytes.Equal(input, []byte("{}")) {
		return []byte(`{"wasmesh_unreferenced":[1,{"x":"y"}]}`)
	}
	return append([]byte(`{"wasmesh_unreferenced":[1,{"x":"y"}],`), input[1:]...)
}

// sameResult compares two result sets; unordered compares an array result
// as a multiset (a Rego set's order may follow its parsed input).
func sameResult(a, b []byte, unordered bool) bool {
	if bytes.Equal(a, b) {
		return true
	}
	if !unordered {
		return false
	}
	norm := func(b []byte) string {
		var rs []map[string]any
		if json.Unmarshal(b, &rs) != nil || len(rs) != 1 {
			return string(b)
		}
		arr, ok := rs[0]["result"].([]any)
		if !ok {
			return string(b)
		}
		elems := make([]string, len(arr))
		for i, e := range arr {
			elems[i] = string(mustJSON(nil, e))
		}
		slices.Sort(elems)
		return strings.Join(elems, "\n")
	}
	return norm(a) == norm(b)
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil && t != nil {
		t.Fatal(err)
	}
	return b
}
