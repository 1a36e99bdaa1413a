package cases

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/wasmesh/wasmesh/policy/compile"
	"github.com/wasmesh/wasmesh/policy/eval"
)

// Result is the outcome of one case.
type Result struct {
	Case string
	// Value is the entrypoint's value as JSON, nil when undefined.
	Value json.RawMessage
	// Decision is Value read as an authorization decision (see
	// eval.DecodeDecision); DecisionErr says why it is not one.
	Decision    eval.Decision
	DecisionErr error
	// Pass is false when the case states a want (or undefined) that the
	// value does not meet; Detail then says how.
	Pass   bool
	Detail string
}

// Run compiles the file's policy to Wasm and evaluates every case with the
// proxy's evaluator, as `meshctl policy test` does. Policy errors come back
// as compile.Errors.
func Run(ctx context.Context, f *File) ([]Result, error) {
	file, src, err := f.Source()
	if err != nil {
		return nil, err
	}
	data, err := f.DataJSON()
	if err != nil {
		return nil, err
	}
	compiled, err := compile.Compile(ctx, compile.Request{
		Modules:     []compile.Module{{File: filepath.Base(file), Source: src}},
		Data:        data,
		Entrypoints: []string{f.Entrypoint},
	})
	if err != nil {
		return nil, err
	}
	engine, err := eval.New(ctx, eval.Config{Instances: 1, Interpret: true})
	if err != nil {
		return nil, err
	}
	defer engine.Close(ctx)
	policy, err := engine.Load(ctx, compiled.Wasm, compiled.Data)
	if err != nil {
		return nil, err
	}
	ep := strings.ReplaceAll(strings.TrimPrefix(f.Entrypoint, "data."), ".", "/")
	results := make([]Result, 0, len(f.Cases))
	for i := range f.Cases {
		r, err := runCase(ctx, policy, ep, &f.Cases[i])
		if err != nil {
			return nil, fmt.Errorf("cases: %s: %s: %w", f.Name, f.Cases[i].Name, err)
		}
		results = append(results, r)
	}
	return results, nil
}

func runCase(ctx context.Context, p *eval.Policy, entrypoint string, c *Case) (Result, error) {
	r := Result{Case: c.Name, Pass: true}
	input, err := c.InputJSON()
	if err != nil {
		return r, err
	}
	out, err := p.Eval(ctx, entrypoint, input)
	if err != nil {
		return r, err
	}
	var set []struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(out, &set); err != nil {
		return r, fmt.Errorf("result set %s: %w", out, err)
	}
	if len(set) > 0 {
		r.Value = set[0].Result
	}
	r.Decision, r.DecisionErr = eval.DecodeDecision(out)
	want, hasWant, err := c.WantJSON()
	if err != nil {
		return r, err
	}
	switch {
	case c.Undefined && r.Value != nil:
		r.Pass, r.Detail = false, fmt.Sprintf("want undefined, have %s", r.Value)
	case hasWant && r.Value == nil:
		r.Pass, r.Detail = false, fmt.Sprintf("want %s, have undefined", want)
	case hasWant && !sameJSON(want, r.Value, c.Unordered):
		r.Pass, r.Detail = false, fmt.Sprintf("want %s, have %s", want, r.Value)
	}
	return r, nil
}

// sameJSON compares two JSON documents as values; unordered compares
// top-level arrays as multisets.
func sameJSON(a, b []byte, unordered bool) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	if unordered {
		x, y = sortedArray(x), sortedArray(y)
	}
	return reflect.DeepEqual(x, y)
}

func sortedArray(v any) any {
	arr, ok := v.([]any)
	if !ok {
		return v
	}
	arr = slices.Clone(arr)
	slices.SortFunc(arr, func(a, b any) int {
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return bytes.Compare(x, y)
	})
	return arr
}
