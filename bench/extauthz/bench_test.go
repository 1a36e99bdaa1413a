package extauthz

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/wasm/host"
)

// reportQuantiles reports the p50/p90/p99 of the per-operation durations.
func reportQuantiles(b *testing.B, d []time.Duration) {
	q := Quantiles(d, 0.50, 0.90, 0.99)
	for i, name := range []string{"p50-us", "p90-us", "p99-us"} {
		b.ReportMetric(float64(q[i])/float64(time.Microsecond), name)
	}
}

// checkAgreement makes sure both paths decide the benchmark's requests as
// the policy says before anything is timed.
func checkAgreement(b *testing.B, e *env) {
	ctx := context.Background()
	for _, c := range []struct {
		a      attrs
		status int
	}{
		{request(frontend, "/api/books/1"), 0},
		{request(batch, "/api/books/1"), 403},
		{request(frontend, "/admin"), 403},
	} {
		local, err := e.inProxy(c.a)
		got := 0
		if local != nil {
			got = local.Status
		}
		if err != nil || got != c.status {
			b.Fatalf("in-proxy %s %s: status %d, err %v; want %d", c.a.principal, c.a.path, got, err, c.status)
		}
		if got, err := e.remoteCheck(ctx, c.a); err != nil || got != c.status {
			b.Fatalf("ext_authz %s %s: status %d, err %v; want %d", c.a.principal, c.a.path, got, err, c.status)
		}
	}
}

// decideArgs is what the authz filter passes to wasmesh.policy.decide for a:
// the same attribute set, shaped as the filter shapes it.
func decideArgs(a attrs) ([]byte, error) {
	return json.Marshal(map[string]any{"policy": policyName, "entrypoint": "wasmesh/authz/allow", "input": Input(a.checkRequest())})
}

// uncachedSeq numbers request paths so no uncached decision repeats, across
// sub-benchmark runs too.
var uncachedSeq atomic.Uint64

// BenchmarkDecision times one allowed request's policy decision:
//
//   - inproxy-cached: through the compiled authz filter on wasm/host (stream
//     open, request headers → attribute set → wasmesh.policy.decide → engine,
//     stream done), the same request each time: decision cache hits.
//   - inproxy-uncached: the same with a new path each time
//     (/api/books/<n>), which the policy reads, so every decision misses the
//     cache and evaluates the Wasm policy.
//   - rego-local: the ext_authz server's decision (CheckRequest → input →
//     OPA rego prepared query) called in process, no network: what the
//     remote check costs before gRPC.
//   - extauthz-grpc: the remote check: a CheckRequest built from the same
//     attributes, sent by a grpc-go client over loopback TCP to the
//     Authorization/Check server, new path each time.
func BenchmarkDecision(b *testing.B) {
	e := getEnv(b)
	checkAgreement(b, e)
	ctx := context.Background()

	b.Run("inproxy-cached", func(b *testing.B) {
		a := request(frontend, "/api/books/1")
		before := e.engine.CacheStats()
		d := make([]time.Duration, 0, 1<<16)
		b.ReportAllocs()
		for b.Loop() {
			t := time.Now()
			local, err := e.inProxy(a)
			d = append(d, time.Since(t))
			if err != nil || local != nil {
				b.Fatalf("denied or failed: %v %+v", err, local)
			}
		}
		after := e.engine.CacheStats()
		// An entry serves cache.DefaultMaxUses hits, then one miss refills it.
		if miss := after.Misses - before.Misses; miss > uint64(len(d))/1000+1 {
			b.Fatalf("%d cache misses in %d cached decisions", miss, len(d))
		}
		reportQuantiles(b, d)
	})

	b.Run("inproxy-uncached", func(b *testing.B) {
		before := e.engine.CacheStats()
		d := make([]time.Duration, 0, 1<<16)
		b.ReportAllocs()
		for b.Loop() {
			a := request(frontend, fmt.Sprintf("/api/books/%d", uncachedSeq.Add(1)+1e6))
			t := time.Now()
			local, err := e.inProxy(a)
			d = append(d, time.Since(t))
			if err != nil || local != nil {
				b.Fatalf("denied or failed: %v %+v", err, local)
			}
		}
		if hits := e.engine.CacheStats().Hits - before.Hits; hits != 0 {
			b.Fatalf("%d cache hits in uncached decisions", hits)
		}
		reportQuantiles(b, d)
	})

	// The engine alone, called as the host calls wasmesh.policy.decide, with
	// the argument JSON the filter would send: the policy's share of the
	// in-proxy numbers above.
	decide := e.engine.ForeignFunc()
	engineOp := func(b *testing.B, path func() string) {
		d := make([]time.Duration, 0, 1<<16)
		b.ReportAllocs()
		for b.Loop() {
			args, err := decideArgs(request(frontend, path()))
			if err != nil {
				b.Fatal(err)
			}
			t := time.Now()
			out, err := decide(ctx, args)
			d = append(d, time.Since(t))
			if err != nil || !strings.Contains(string(out), `"allow":true`) {
				b.Fatalf("denied or failed: %v %s", err, out)
			}
		}
		reportQuantiles(b, d)
	}
	b.Run("engine-cached", func(b *testing.B) {
		engineOp(b, func() string { return "/api/books/1" })
	})
	b.Run("engine-uncached", func(b *testing.B) {
		engineOp(b, func() string { return fmt.Sprintf("/api/books/%d", uncachedSeq.Add(1)+1e6) })
	})

	b.Run("rego-local", func(b *testing.B) {
		d := make([]time.Duration, 0, 1<<16)
		b.ReportAllocs()
		for b.Loop() {
			a := request(frontend, fmt.Sprintf("/api/books/%d", uncachedSeq.Add(1)+1e6))
			t := time.Now()
			dec, err := e.remote.Decide(ctx, a.checkRequest())
			d = append(d, time.Since(t))
			if err != nil || !dec.Allow {
				b.Fatalf("denied or failed: %v %+v", err, dec)
			}
		}
		reportQuantiles(b, d)
	})

	b.Run("extauthz-grpc", func(b *testing.B) {
		d := make([]time.Duration, 0, 1<<16)
		b.ReportAllocs()
		for b.Loop() {
			a := request(frontend, fmt.Sprintf("/api/books/%d", uncachedSeq.Add(1)+1e6))
			t := time.Now()
			status, err := e.remoteCheck(ctx, a)
			d = append(d, time.Since(t))
			if err != nil || status != 0 {
				b.Fatalf("denied or failed: %d %v", status, err)
			}
		}
		reportQuantiles(b, d)
	})
}

// BenchmarkFilterPair times what the filter chain adds to one request on
// the host, the way the proxy drives it: one stream per filter opened,
// request headers through the chain in order, response headers in reverse
// order, streams done. "none" builds the same header maps and runs no
// filter; the chain's added latency is the difference of the p50s. The authz
// decision is a cache hit (steady state); telemetry keeps Istio's metrics and
// queues an access-log record per request (sent in batches to a sink that
// answers at once).
func BenchmarkFilterPair(b *testing.B) {
	e := getEnv(b)
	checkAgreement(b, e)
	a := request(frontend, "/api/books/1")
	pr := a.props()
	for _, c := range []struct {
		name  string
		chain []*host.Plugin
	}{
		{"none", nil},
		{"authz", []*host.Plugin{e.authz}},
		{"telemetry", []*host.Plugin{e.telemetry}},
		{"authz+telemetry", []*host.Plugin{e.authz, e.telemetry}},
	} {
		b.Run(c.name, func(b *testing.B) {
			streams := make([]*host.HTTPStream, len(c.chain))
			d := make([]time.Duration, 0, 1<<16)
			b.ReportAllocs()
			for b.Loop() {
				t := time.Now()
				req := a.hostHeaders()
				resp := host.Headers{{Key: ":status", Value: "200"}, {Key: "content-type", Value: "application/json"}}
				for i, p := range c.chain {
					streams[i] = p.NewHTTPStream(pr, host.StreamCallbacks{})
				}
				for _, s := range streams {
					if r := s.OnRequestHeaders(&req, true); r.Err != nil || r.Local != nil {
						b.Fatalf("request headers: %v %+v", r.Err, r.Local)
					}
				}
				for i := len(streams) - 1; i >= 0; i-- {
					if r := streams[i].OnResponseHeaders(&resp, true); r.Err != nil || r.Local != nil {
						b.Fatalf("response headers: %v %+v", r.Err, r.Local)
					}
				}
				for _, s := range streams {
					s.Done()
				}
				d = append(d, time.Since(t))
			}
			reportQuantiles(b, d)
		})
	}
}
