package ca

import "testing"

// BenchmarkSign measures one CSR check and signature with the P-256 root.
func BenchmarkSign(b *testing.B) {
	c, err := New(Config{Dir: b.TempDir()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	csr, _ := makeCSR(b, []string{webID})
	for b.Loop() {
		if _, err := c.Sign(csr, web, 0); err != nil {
			b.Fatal(err)
		}
	}
}
