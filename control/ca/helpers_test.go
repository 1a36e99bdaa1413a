package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"testing"

	"github.com/wasmesh/wasmesh/internal/pki"
)

var web = Identity{Namespace: "default", ServiceAccount: "web"}

const webID = "spiffe://cluster.local/ns/default/sa/web"

func newTestCA(t *testing.T, cfg Config) *CA {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	c, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// makeCSR returns a PEM CSR for a fresh P-256 key naming uris and dnsNames.
func makeCSR(t testing.TB, uris []string, dnsNames ...string) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.CertificateRequest{DNSNames: dnsNames}
	for _, s := range uris {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = append(tmpl.URIs, u)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), key
}

// parseChain parses a Sign result: certificates leaf first, and the bundle.
func parseChain(t *testing.T, chain []string) (certs, roots []*x509.Certificate) {
	t.Helper()
	if len(chain) < 2 {
		t.Fatalf("chain has %d entries", len(chain))
	}
	for _, p := range chain[:len(chain)-1] {
		cs, err := pki.ParseCertificates([]byte(p))
		if err != nil || len(cs) != 1 {
			t.Fatalf("chain entry: %d certs, %v", len(cs), err)
		}
		certs = append(certs, cs[0])
	}
	roots, err := pki.ParseCertificates([]byte(chain[len(chain)-1]))
	if err != nil {
		t.Fatal(err)
	}
	return certs, roots
}

// verifyChain verifies certs (leaf first) against roots and returns the verified path.
func verifyChain(t *testing.T, certs, roots []*x509.Certificate) []*x509.Certificate {
	t.Helper()
	rp, ip := x509.NewCertPool(), x509.NewCertPool()
	for _, r := range roots {
		rp.AddCert(r)
	}
	for _, c := range certs[1:] {
		ip.AddCert(c)
	}
	chains, err := certs[0].Verify(x509.VerifyOptions{Roots: rp, Intermediates: ip, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		t.Fatalf("chain does not verify: %v", err)
	}
	return chains[0]
}
