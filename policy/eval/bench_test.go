package eval_test

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/wasmesh/wasmesh/policy/cache"
	"github.com/wasmesh/wasmesh/policy/eval"
)

// The benchmark policies: Mixer's check "only the frontend may GET /api/*",
// returning a decision object, with the path test written two ways. OPA's
// Wasm runtime compiles a glob (to an RE2 regex) in every evaluation, so the
// glob form shows that cost and the prefix form the evaluator's own.
const benchPolicy = `package mesh

default decision := {"allow": false, "status": 403, "reason": "only the frontend may GET /api/*"}

decision := {"allow": true} if {
	input.source.principal == "spiffe://cluster.local/ns/default/sa/frontend"
	input.request.method == "GET"
	glob.match("/api/*", ["/"], input.request.path)
}
`

var benchPolicies = []struct{ name, src string }{
	{"glob", benchPolicy},
	{"prefix", strings.Replace(benchPolicy, `glob.match("/api/*", ["/"], input.request.path)`, `startswith(input.request.path, "/api/")`, 1)},
}

// benchInput is the Mixer attribute set of one request.
var benchInput = []byte(`{"source":{"principal":"spiffe://cluster.local/ns/default/sa/frontend","namespace":"default","ip":"10.0.0.7"},` +
	`"destination":{"service":"reviews.default.svc.cluster.local","port":9080},` +
	`"request":{"method":"GET","path":"/api/reviews","host":"reviews","headers":{"user-agent":"curl/8.5","x-request-id":"5f0c8b1e-1d2a-4a7c-9d7e-3c4b5a6f7e8d","accept":"*/*"},"time":"2026-11-25T20:00:00Z"},` +
	`"connection":{"mtls":true}}`)

// measure runs op b.N times, timing each call, and reports p50 and p99.
func measure(b *testing.B, op func() error) {
	b.Helper()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkDecisionWasm: uncached, the OPA Wasm module on wazero (JSON in, result set JSON out).
func BenchmarkDecisionWasm(b *testing.B) {
	forPolicies(b, func(b *testing.B, src string) {
		ctx := context.Background()
		_, p, _ := load(b, eval.Config{}, src, "", "mesh/decision")
		measure(b, func() error {
			out, err := p.Eval(ctx, "mesh/decision", benchInput)
			if err == nil && !bytes.Equal(out, []byte(`[{"result":{"allow":true}}]`)) {
				b.Fatalf("result %s", out)
			}
			return err
		})
	})
}

func forPolicies(b *testing.B, f func(b *testing.B, src string)) {
	for _, p := range benchPolicies {
		b.Run(p.name, func(b *testing.B) { f(b, p.src) })
	}
}

// BenchmarkDecisionWasmInterruptible: as BenchmarkDecisionWasm with
// Config.Interruptible (termination checks in every guest loop).
func BenchmarkDecisionWasmInterruptible(b *testing.B) {
	forPolicies(b, func(b *testing.B, src string) {
		ctx := context.Background()
		_, p, _ := load(b, eval.Config{Interruptible: true}, src, "", "mesh/decision")
		measure(b, func() error {
			_, err := p.Eval(ctx, "mesh/decision", benchInput)
			return err
		})
	})
}

// BenchmarkDecisionWasmDecoded: uncached through Decide (eval + Decision
// decoding), the work of a cache miss.
func BenchmarkDecisionWasmDecoded(b *testing.B) {
	forPolicies(b, func(b *testing.B, src string) {
		ctx := context.Background()
		e, p, c := load(b, eval.Config{}, src, "", "mesh/decision")
		e.Set("mesh", p, cache.Fields{NoCache: true, Paths: c.Fields.Paths})
		measure(b, func() error {
			_, err := e.Decide(ctx, "mesh", "mesh/decision", benchInput)
			return err
		})
	})
}

// BenchmarkDecisionRego: OPA's Go rego package, prepared query, same policy and input.
func BenchmarkDecisionRego(b *testing.B) {
	forPolicies(b, func(b *testing.B, src string) {
		ctx := context.Background()
		pq, err := rego.New(
			rego.Query("data.mesh.decision"),
			rego.Module("p.rego", src),
			rego.SetRegoVersion(ast.RegoV1),
		).PrepareForEval(ctx)
		if err != nil {
			b.Fatal(err)
		}
		measure(b, func() error {
			// JSON in, like the Wasm path: parse the input, evaluate.
			v, err := ast.ValueFromReader(bytes.NewReader(benchInput))
			if err != nil {
				return err
			}
			rs, err := pq.Eval(ctx, rego.EvalParsedInput(v))
			if err == nil && len(rs) != 1 {
				b.Fatalf("result %v", rs)
			}
			return err
		})
	})
}

// BenchmarkDecisionCached: the foreign function on a cache hit (argument
// parsing, key extraction, lookup).
func BenchmarkDecisionCached(b *testing.B) {
	ctx := context.Background()
	e, p, c := load(b, eval.Config{Cache: cache.Config{MaxUses: 1 << 62}}, benchPolicy, "", "mesh/decision")
	e.Set("mesh", p, c.Fields)
	call := e.ForeignFunc()
	args := append(append([]byte(`{"policy":"mesh","entrypoint":"mesh/decision","input":`), benchInput...), '}')
	if _, err := call(ctx, args); err != nil {
		b.Fatal(err)
	}
	measure(b, func() error {
		_, err := call(ctx, args)
		return err
	})
	if st := e.CacheStats(); st.Misses != 1 {
		b.Fatalf("cache stats %+v: want one miss", st)
	}
}

// referencedInput is benchInput as the authz filter sends it to these
// policies: only the fields they reference.
var referencedInput = []byte(`{"source":{"principal":"spiffe://cluster.local/ns/default/sa/frontend"},"request":{"method":"GET","path":"/api/reviews"}}`)

// BenchmarkDecisionUncached: the foreign function on a cache miss (a new
// request path each time, which the policy reads): argument parsing, key
// extraction, evaluation, decision decoding and encoding, cache fill; with
// the whole attribute set as input and with the referenced fields only. The
// p50 and p99 time the call only, not building its argument.
func BenchmarkDecisionUncached(b *testing.B) {
	forPolicies(b, func(b *testing.B, src string) {
		for _, input := range []struct {
			name string
			doc  []byte
		}{{"whole", benchInput}, {"referenced", referencedInput}} {
			b.Run(input.name, func(b *testing.B) { benchUncached(b, src, input.doc) })
		}
	})
}

func benchUncached(b *testing.B, src string, input []byte) {
	ctx := context.Background()
	e, p, c := load(b, eval.Config{}, src, "", "mesh/decision")
	e.Set("mesh", p, c.Fields)
	call := e.ForeignFunc()
	head, tail, _ := bytes.Cut(input, []byte(`/api/reviews`))
	args := make([]byte, 0, 1024)
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		args = append(args[:0], `{"policy":"mesh","entrypoint":"mesh/decision","input":`...)
		args = append(args, head...)
		args = strconv.AppendInt(append(args, "/api/reviews-"...), int64(i), 10)
		args = append(append(args, tail...), '}')
		start := time.Now()
		out, err := call(ctx, args)
		lat = append(lat, time.Since(start))
		if err != nil || !bytes.Equal(out, []byte(`{"allow":true}`)) {
			b.Fatalf("decision %s, %v", out, err)
		}
	}
	b.StopTimer()
	if st := e.CacheStats(); st.Hits != 0 {
		b.Fatalf("cache stats %+v: want no hits", st)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}
