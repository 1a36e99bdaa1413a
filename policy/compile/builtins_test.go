package compile

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/wasmesh/wasmesh/policy/eval"
)

// TestSupportedBuiltinsAreHostImports: every builtin the evaluator
// implements is a real Rego builtin that OPA's Wasm target imports from the
// host (one it compiles natively would be dead code in the evaluator).
func TestSupportedBuiltinsAreHostImports(t *testing.T) {
	var rules []string
	for i, name := range eval.SupportedBuiltins() {
		b, ok := ast.BuiltinMap[name]
		if !ok {
			t.Errorf("%s is not a Rego builtin", name)
			continue
		}
		args := make([]string, len(b.Decl.FuncArgs().Args))
		for j := range args {
			args[j] = fmt.Sprintf("input.a%d", j)
		}
		rules = append(rules, fmt.Sprintf("r%d := %s(%s)", i, name, strings.Join(args, ", ")))
	}
	p, err := Compile(context.Background(), Request{
		Modules:     []Module{{File: "all.rego", Source: "package all\n\nresult := [" + placeholders(len(rules)) + "]\n\n" + strings.Join(rules, "\n\n") + "\n"}},
		Entrypoints: []string{"all/result"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range eval.SupportedBuiltins() {
		if !slices.Contains(p.Builtins, name) {
			t.Errorf("OPA's Wasm target compiles %s natively: drop it from the evaluator", name)
		}
	}
}

func placeholders(n int) string {
	refs := make([]string, n)
	for i := range refs {
		refs[i] = fmt.Sprintf("r%d", i)
	}
	return strings.Join(refs, ", ")
}
