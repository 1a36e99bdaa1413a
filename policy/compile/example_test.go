package compile_test

import (
	"context"
	"fmt"

	"github.com/wasmesh/wasmesh/policy/compile"
	"github.com/wasmesh/wasmesh/policy/eval"
)

// The whole path of a policy: meshd compiles the Rego, the proxy loads the
// Wasm, registers it by name with its referenced fields, and the authz
// filter asks for decisions through the foreign function.
func Example() {
	ctx := context.Background()
	compiled, err := compile.Compile(ctx, compile.Request{
		Modules: []compile.Module{{File: "frontend.rego", Source: `package mesh

default decision := {"allow": false, "status": 403, "reason": "only the frontend may GET /api/*"}

decision := {"allow": true} if {
	input.source.principal == "spiffe://cluster.local/ns/default/sa/frontend"
	input.request.method == "GET"
	startswith(input.request.path, "/api/")
}
`}},
		Entrypoints: []string{"mesh/decision"},
	})
	if err != nil {
		fmt.Println(err) // compile.Errors: file:line:column: code: message
		return
	}
	fmt.Println("fields:", compiled.Fields.Paths)

	engine, err := eval.New(ctx, eval.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer engine.Close(ctx)
	policy, err := engine.Load(ctx, compiled.Wasm, compiled.Data)
	if err != nil {
		fmt.Println(err)
		return
	}
	engine.Set("frontend-only", policy, compiled.Fields)

	decide := engine.ForeignFunc()
	for _, principal := range []string{"spiffe://cluster.local/ns/default/sa/frontend", "spiffe://cluster.local/ns/default/sa/batch", "spiffe://cluster.local/ns/default/sa/batch"} {
		out, err := decide(ctx, fmt.Appendf(nil,
			`{"policy":"frontend-only","entrypoint":"mesh/decision","input":{"source":{"principal":%q},"request":{"method":"GET","path":"/api/reviews"}}}`, principal))
		fmt.Println(string(out), err)
	}
	st := engine.CacheStats()
	fmt.Println("cache hits:", st.Hits, "misses:", st.Misses)
	// Output:
	// fields: [[request method] [request path] [source principal]]
	// {"allow":true} <nil>
	// {"allow":false,"status":403,"reason":"only the frontend may GET /api/*"} <nil>
	// {"allow":false,"status":403,"reason":"only the frontend may GET /api/*"} <nil>
	// cache hits: 1 misses: 2
}
