package extauthz

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// BenchmarkEngineFilterArgs times wasmesh.policy.decide alone with the
// argument exactly as the authz filter spells it for this policy (its keys
// in the filter's order, and only the attributes the policy references), so
// it is the engine's share of the in-proxy decisions: "cached" repeats one
// request, "uncached" gives each a new path.
func BenchmarkEngineFilterArgs(b *testing.B) {
	e := getEnv(b)
	checkAgreement(b, e)
	decide := e.engine.ForeignFunc()
	ctx := context.Background()
	head := []byte(`{"policy":"` + policyName + `","entrypoint":"wasmesh/authz/allow","input":{"source":{"principal":"` + frontend + `"},"request":{"method":"GET","path":"/api/books/`)
	for _, c := range []struct {
		name string
		id   func() uint64
	}{
		{"cached", func() uint64 { return 1 }},
		{"uncached", func() uint64 { return uncachedSeq.Add(1) + 1e6 }},
	} {
		b.Run(c.name, func(b *testing.B) {
			args := make([]byte, 0, 256)
			d := make([]time.Duration, 0, 1<<16)
			b.ReportAllocs()
			for b.Loop() {
				args = append(strconv.AppendUint(append(args[:0], head...), c.id(), 10), `"}}}`...)
				t := time.Now()
				out, err := decide(ctx, args)
				d = append(d, time.Since(t))
				if err != nil || string(out) != `{"allow":true}` {
					b.Fatalf("denied or failed: %v %s", err, out)
				}
			}
			reportQuantiles(b, d)
		})
	}
}
