package cases_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/wasmesh/wasmesh/policy/cache"
	"github.com/wasmesh/wasmesh/policy/cases"
	"github.com/wasmesh/wasmesh/policy/compile"
	"github.com/wasmesh/wasmesh/policy/eval"
)

const corpus = "../testdata/cases/*.yaml"

// TestDifferential evaluates every case of the corpus with the proxy's Wasm
// evaluator and with OPA's rego package: both must agree, and match the
// case's want when it has one.
func TestDifferential(t *testing.T) {
	ctx := context.Background()
	files, err := cases.Glob(corpus)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 15 {
		t.Fatalf("corpus has %d policies, want at least 15", len(files))
	}
	engine, err := eval.New(ctx, eval.Config{Instances: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close(ctx)
	total := 0
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			wasm, opa, fields := prepare(t, ctx, engine, f)
			byKey := map[string]caseResult{} // cases sharing a cache key must share a decision
			for _, c := range f.Cases {
				total++
				t.Run(c.Name, func(t *testing.T) {
					input, err := c.InputJSON()
					if err != nil {
						t.Fatal(err)
					}
					gotWasm := wasm(input)
					gotOPA := opa(input)
					if c.Unordered {
						sortResult(gotWasm)
						sortResult(gotOPA)
					}
					if diff := cmp.Diff(gotOPA, gotWasm); diff != "" {
						t.Fatalf("wasm and rego disagree (-rego +wasm):\n%s", diff)
					}
					if c.Undefined && gotWasm != nil {
						t.Fatalf("want undefined, have %v", gotWasm)
					}
					checkCacheKey(t, fields, input, wasm)
					if key, ok, err := cache.NewKeyer(fields).AppendKey(nil, input); err == nil && ok && input != nil {
						if prev, seen := byKey[string(key)]; seen && !cmp.Equal(prev.result, gotWasm) {
							t.Fatalf("same cache key as case %q but a different decision: %v vs %v", prev.name, prev.result, gotWasm)
						}
						byKey[string(key)] = caseResult{c.Name, gotWasm}
					}
					want, ok, err := c.WantJSON()
					if err != nil {
						t.Fatal(err)
					}
					if ok {
						if gotWasm == nil {
							t.Fatalf("undefined, want %s", want)
						}
						wantV := []any{decode(t, want)}
						if c.Unordered {
							sortResult(wantV)
						}
						if diff := cmp.Diff(wantV[0], gotWasm[0]); diff != "" {
							t.Fatalf("result differs from want (-want +got):\n%s", diff)
						}
					}
				})
			}
		})
	}
	t.Logf("%d policies, %d cases", len(files), total)
}

type caseResult struct {
	name   string
	result []any
}

// prepare compiles f for both evaluators and returns functions giving the
// result as nil (undefined) or a one-element slice holding the value.
func prepare(t *testing.T, ctx context.Context, engine *eval.Engine, f *cases.File) (wasm, opa func([]byte) []any, fields cache.Fields) {
	t.Helper()
	file, src, err := f.Source()
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.DataJSON()
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := compile.Compile(ctx, compile.Request{
		Modules:     []compile.Module{{File: filepath.Base(file), Source: src}},
		Data:        data,
		Entrypoints: []string{f.Entrypoint},
	})
	if err != nil {
		t.Fatal(err)
	}
	policy, err := engine.Load(ctx, compiled.Wasm, data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { policy.Close(ctx) })
	ep := strings.ReplaceAll(strings.TrimPrefix(f.Entrypoint, "data."), ".", "/")
	wasm = func(input []byte) []any {
		t.Helper()
		out, err := policy.Eval(ctx, ep, input)
		if err != nil {
			t.Fatalf("wasm: %v", err)
		}
		var rs []map[string]any
		if err := json.Unmarshal(out, &rs); err != nil {
			t.Fatalf("wasm result %s: %v", out, err)
		}
		if len(rs) == 0 {
			return nil
		}
		return []any{rs[0]["result"]}
	}

	store := inmem.NewFromReader(bytes.NewReader(data))
	pq, err := rego.New(
		rego.Query("data."+strings.ReplaceAll(ep, "/", ".")),
		rego.Module(filepath.Base(file), src),
		rego.Store(store),
		rego.SetRegoVersion(ast.RegoV1),
	).PrepareForEval(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opa = func(input []byte) []any {
		t.Helper()
		var opts []rego.EvalOption
		if input != nil {
			v, err := ast.ValueFromReader(bytes.NewReader(input))
			if err != nil {
				t.Fatal(err)
			}
			opts = append(opts, rego.EvalParsedInput(v))
		}
		rs, err := pq.Eval(ctx, opts...)
		if err != nil {
			t.Fatalf("rego: %v", err)
		}
		if len(rs) == 0 {
			return nil
		}
		b, err := json.Marshal(rs[0].Expressions[0].Value)
		if err != nil {
			t.Fatal(err)
		}
		return []any{decode(t, b)}
	}
	return wasm, opa, compiled.Fields
}

// checkCacheKey adds a field the policy does not reference to the input:
// the cache key must not change (unless the key is the whole input) and
// neither may the decision, or caching by referenced fields would be wrong.
func checkCacheKey(t *testing.T, fields cache.Fields, input []byte, wasm func([]byte) []any) {
	t.Helper()
	if len(input) < 2 || input[0] != '{' {
		return
	}
	extra := []byte(`{"wasmesh_unreferenced":[1,{"x":"y"}]}`)
	if string(input) != "{}" {
		extra = append([]byte(`{"wasmesh_unreferenced":[1,{"x":"y"}],`), input[1:]...)
	}
	keyer := cache.NewKeyer(fields)
	k1, ok1, err1 := keyer.AppendKey(nil, input)
	k2, ok2, err2 := keyer.AppendKey(nil, extra)
	if err1 != nil || err2 != nil {
		t.Fatalf("cache keys: %v, %v", err1, err2)
	}
	if ok1 != ok2 || (ok1 && !fields.Whole && !bytes.Equal(k1, k2)) {
		t.Fatalf("an unreferenced field changed the cache key (fields %+v)", fields)
	}
	if diff := cmp.Diff(wasm(input), wasm(extra)); diff != "" {
		t.Fatalf("an unreferenced field changed the decision (-without +with):\n%s", diff)
	}
}

// sortResult sorts an array result by the JSON encoding of its elements.
func sortResult(r []any) {
	if len(r) == 0 {
		return
	}
	arr, ok := r[0].([]any)
	if !ok {
		return
	}
	slices.SortFunc(arr, func(a, b any) int {
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return bytes.Compare(x, y)
	})
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}
