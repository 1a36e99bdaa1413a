package spiffe

import (
	"crypto/x509"
	"testing"
	"time"
)

// BenchmarkVerifyRaw measures the per-handshake peer check: parse, chain
// verification against a two-root bundle, revocation lookup.
func BenchmarkVerifyRaw(b *testing.B) {
	now := time.Now()
	root1 := mint(b, nil, true, "", now.Add(-time.Hour), now.Add(time.Hour))
	root2 := mint(b, nil, true, "", now.Add(-time.Hour), now.Add(time.Hour))
	leaf := mint(b, root2, false, "spiffe://cluster.local/ns/default/sa/web", now.Add(-time.Hour), now.Add(time.Hour))
	revoked, err := NewRevocations([]string{"ff"}, []string{"spiffe://cluster.local/ns/default/sa/db"})
	if err != nil {
		b.Fatal(err)
	}
	roots := []*x509.Certificate{root1.cert, root2.cert}
	raw := [][]byte{leaf.cert.Raw}
	for b.Loop() {
		if _, err := VerifyRaw(raw, roots, revoked, now); err != nil {
			b.Fatal(err)
		}
	}
}
