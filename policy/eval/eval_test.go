package eval_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	opacompile "github.com/open-policy-agent/opa/v1/compile"

	"github.com/wasmesh/wasmesh/policy/eval"
)

const authz = `package authz

default allow := false

allow if {
	input.method == "GET"
	data.paths[_] == input.path
}

conflict := input.a
conflict := input.b

spin := count([x | some x in numbers.range(1, input.n); x % 7 == 0])

now := time.now_ns()
`

func TestNoOPAInEval(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/wasmesh/wasmesh/policy/eval").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/open-policy-agent/") {
			t.Errorf("policy/eval depends on %s: the proxy must not link OPA", dep)
		}
	}
}

func TestEval(t *testing.T) {
	for _, interpret := range []bool{false, true} {
		t.Run(fmt.Sprintf("interpret=%v", interpret), func(t *testing.T) { testEval(t, eval.Config{Interpret: interpret}) })
	}
}

func testEval(t *testing.T, cfg eval.Config) {
	ctx := context.Background()
	_, p, _ := load(t, cfg, authz, `{"paths": ["/a", "/b"]}`, "authz/allow", "authz/conflict")
	if got := p.Entrypoints(); !slices.Contains(got, "authz/allow") || !slices.Contains(got, "authz/conflict") {
		t.Errorf("entrypoints = %v", got)
	}
	tests := []struct {
		entrypoint, input, want string
	}{
		{"authz/allow", `{"method":"GET","path":"/b"}`, `[{"result":true}]`},
		{"authz/allow", `{"method":"GET","path":"/c"}`, `[{"result":false}]`},
		{"data.authz.allow", `{"method":"GET","path":"/a"}`, `[{"result":true}]`},
		{"authz/allow", ``, `[{"result":false}]`},
		{"authz/conflict", `{}`, `[]`},
		{"authz/conflict", `{"a":1,"b":1}`, `[{"result":1}]`},
	}
	for _, tt := range tests {
		got, err := p.Eval(ctx, tt.entrypoint, []byte(tt.input))
		if err != nil || string(got) != tt.want {
			t.Errorf("Eval(%s, %s) = %s, %v; want %s", tt.entrypoint, tt.input, got, err, tt.want)
		}
	}
	if _, err := p.Eval(ctx, "authz/nope", nil); !errors.Is(err, eval.ErrUnknownEntrypoint) {
		t.Errorf("unknown entrypoint: err = %v", err)
	}
}

// TestTrapReplacesInstance makes the guest abort (conflicting rule values),
// run past its deadline and exceed its memory, and checks that each fails
// with ErrEvalTrap and that the policy keeps answering afterwards.
func TestTrapReplacesInstance(t *testing.T) {
	ctx := context.Background()
	_, p, _ := load(t, eval.Config{Instances: 1, MemoryLimitPages: 64, Interruptible: true}, authz, `{"paths": ["/a"]}`, "authz/allow", "authz/conflict", "authz/spin")
	healthy := func() {
		t.Helper()
		got, err := p.Eval(ctx, "authz/allow", []byte(`{"method":"GET","path":"/a"}`))
		if err != nil || string(got) != `[{"result":true}]` {
			t.Fatalf("after trap: %s, %v", got, err)
		}
	}
	_, err := p.Eval(ctx, "authz/conflict", []byte(`{"a":1,"b":2}`))
	if !errors.Is(err, eval.ErrEvalTrap) || !strings.Contains(err.Error(), "opa_abort") {
		t.Fatalf("conflict: err = %v, want ErrEvalTrap from opa_abort", err)
	}
	healthy()

	dctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = p.Eval(dctx, "authz/spin", []byte(`{"n":1000000000}`))
	if !errors.Is(err, eval.ErrEvalTrap) {
		t.Fatalf("spin: err = %v, want ErrEvalTrap", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("deadline took %v to stop the guest", d)
	}
	healthy()

	big := []byte(`{"pad":"` + strings.Repeat("x", 5<<20) + `"}`) // 5 MiB > 64 pages
	if _, err := p.Eval(ctx, "authz/allow", big); !errors.Is(err, eval.ErrEvalTrap) {
		t.Fatalf("oversized input: err = %v, want ErrEvalTrap", err)
	}
	healthy()
}

func TestConcurrentEval(t *testing.T) {
	ctx := context.Background()
	_, p, _ := load(t, eval.Config{Instances: 3}, authz, `{"paths": ["/a"]}`, "authz/allow", "authz/conflict")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				path, want := "/a", `[{"result":true}]`
				if (i+g)%2 == 1 {
					path, want = fmt.Sprintf("/x%d", i), `[{"result":false}]`
				}
				if g == 0 && i%10 == 0 { // traps in the mix
					if _, err := p.Eval(ctx, "authz/conflict", []byte(`{"a":1,"b":2}`)); !errors.Is(err, eval.ErrEvalTrap) {
						t.Errorf("conflict: %v", err)
					}
				}
				got, err := p.Eval(ctx, "authz/allow", fmt.Appendf(nil, `{"method":"GET","path":%q}`, path))
				if err != nil || string(got) != want {
					t.Errorf("goroutine %d eval %d: %s, %v; want %s", g, i, got, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestTimeNowUsesClock(t *testing.T) {
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	_, p, _ := load(t, eval.Config{Now: func() time.Time { return at }}, authz, `{}`, "authz/now")
	got, err := p.Eval(context.Background(), "authz/now", nil)
	if want := fmt.Sprintf(`[{"result":%d}]`, at.UnixNano()); err != nil || string(got) != want {
		t.Fatalf("now = %s, %v; want %s", got, err, want)
	}
}

func TestLoadRejects(t *testing.T) {
	ctx := context.Background()
	e, err := eval.New(ctx, eval.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)

	if _, err := e.Load(ctx, []byte("not wasm"), nil); !errors.Is(err, eval.ErrInvalidModule) {
		t.Errorf("garbage: err = %v, want ErrInvalidModule", err)
	}
	// A valid Wasm module that is not an OPA policy (no imports, no exports).
	empty := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}
	if _, err := e.Load(ctx, empty, nil); !errors.Is(err, eval.ErrInvalidModule) {
		t.Errorf("empty module: err = %v, want ErrInvalidModule", err)
	}

	// OPA compiles semver.is_valid as a host import this evaluator lacks.
	wasm := opaWasm(t, "package v\n\nok := semver.is_valid(input.v)\n", "v/ok")
	_, err = e.Load(ctx, wasm, nil)
	var ub *eval.UnsupportedBuiltinError
	if !errors.As(err, &ub) || !errors.Is(err, eval.ErrUnsupportedBuiltin) || !slices.Equal(ub.Names, []string{"semver.is_valid"}) {
		t.Errorf("unsupported builtin: err = %v", err)
	}
}

// opaWasm compiles with OPA directly, bypassing policy/compile's checks.
func opaWasm(t *testing.T, src, entrypoint string) []byte {
	t.Helper()
	m, err := ast.ParseModuleWithOpts("p.rego", src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		t.Fatal(err)
	}
	c := opacompile.New().WithTarget(opacompile.TargetWasm).WithEntrypoints(entrypoint).
		WithBundle(&bundle.Bundle{Data: map[string]any{}, Modules: []bundle.ModuleFile{{URL: "p.rego", Path: "p.rego", Raw: []byte(src), Parsed: m}}})
	if err := c.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c.Bundle().WasmModules[0].Raw
}

func TestSupportedBuiltinsSorted(t *testing.T) {
	b := eval.SupportedBuiltins()
	if !slices.IsSorted(b) || !slices.Contains(b, "time.now_ns") || !slices.Contains(b, "sprintf") || !slices.Contains(b, "io.jwt.decode") {
		t.Fatalf("SupportedBuiltins() = %v", b)
	}
}

func TestPolicyCloseSharesCompiledModule(t *testing.T) {
	ctx := context.Background()
	e, p1, c := load(t, eval.Config{}, authz, `{"paths":["/a"]}`, "authz/allow")
	p2, err := e.Load(ctx, c.Wasm, c.Data)
	if err != nil {
		t.Fatal(err)
	}
	in := []byte(`{"method":"GET","path":"/a"}`)
	if err := p1.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p1.Eval(ctx, "authz/allow", in); !errors.Is(err, eval.ErrClosed) {
		t.Fatalf("closed policy: err = %v, want ErrClosed", err)
	}
	if got, err := p2.Eval(ctx, "authz/allow", in); err != nil || string(got) != `[{"result":true}]` {
		t.Fatalf("sibling after close: %s, %v", got, err)
	}
	if err := p2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	p3, err := e.Load(ctx, c.Wasm, c.Data)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p3.Eval(ctx, "authz/allow", in); err != nil || string(got) != `[{"result":true}]` {
		t.Fatalf("reloaded: %s, %v", got, err)
	}
}
