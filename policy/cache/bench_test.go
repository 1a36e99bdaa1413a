package cache

import "testing"

// benchInput is a typical authz input: the Mixer attribute set of one request.
var benchInput = []byte(`{"source":{"principal":"spiffe://cluster.local/ns/default/sa/frontend","namespace":"default","ip":"10.0.0.7"},` +
	`"destination":{"service":"reviews.default.svc.cluster.local","port":9080},` +
	`"request":{"method":"GET","path":"/api/v1/reviews/42","host":"reviews","headers":{"user-agent":"curl/8.5","x-request-id":"5f0c8b1e-1d2a-4a7c-9d7e-3c4b5a6f7e8d","accept":"*/*"},"time":"2026-11-25T20:00:00Z"},` +
	`"connection":{"mtls":true}}`)

// BenchmarkCachedDecision is a decision served from the cache: key
// extraction from the input JSON plus the lookup.
func BenchmarkCachedDecision(b *testing.B) {
	k := NewKeyer(Fields{Paths: [][]string{{"source", "principal"}, {"request", "method"}, {"request", "path"}}})
	c := New[[]byte](Config{MaxUses: 1 << 62}) // one entry serves every iteration
	key, _, _ := k.AppendKey(nil, benchInput)
	c.Put(key, []byte(`{"allow":true}`))
	b.SetBytes(int64(len(benchInput)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var buf []byte
		for pb.Next() {
			buf, _, _ = k.AppendKey(buf[:0], benchInput)
			if _, ok := c.Get(buf); !ok {
				b.Fatal("miss")
			}
		}
	})
}
