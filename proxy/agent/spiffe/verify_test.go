package spiffe

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net/url"
	"testing"
	"time"
)

var serial int64 = 100

type issuer struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// mint signs a certificate (self-signed when parent is nil).
func mint(t testing.TB, parent *issuer, isCA bool, uri string, notBefore, notAfter time.Time) *issuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: "test"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		IsCA:                  isCA,
	}
	if isCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign
	}
	if uri != "" {
		u, _ := url.Parse(uri)
		tmpl.URIs = []*url.URL{u}
	}
	signerCert, signerKey := tmpl, key
	if parent != nil {
		signerCert, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signerKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &issuer{cert: c, key: key}
}

func TestVerify(t *testing.T) {
	now := time.Now()
	valid := func() (time.Time, time.Time) { return now.Add(-time.Hour), now.Add(time.Hour) }
	nb, na := valid()
	root1 := mint(t, nil, true, "", nb, na)
	root2 := mint(t, nil, true, "", nb, na)
	inter := mint(t, root2, true, "", nb, na)
	const id = "spiffe://cluster.local/ns/default/sa/web"
	leaf1 := mint(t, root1, false, id, nb, na)
	leaf2 := mint(t, inter, false, id, nb, na)
	expired := mint(t, root1, false, id, now.Add(-2*time.Hour), now.Add(-time.Hour))
	noURI := mint(t, root1, false, "", nb, na)
	stranger := mint(t, mint(t, nil, true, "", nb, na), false, id, nb, na)

	bySerial, err := NewRevocations([]string{leaf1.cert.SerialNumber.Text(16)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	byID, err := NewRevocations(nil, []string{id})
	if err != nil {
		t.Fatal(err)
	}
	byInter, err := NewRevocations([]string{inter.cert.SerialNumber.Text(16)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	both := []*x509.Certificate{root1.cert, root2.cert}

	for _, tc := range []struct {
		name    string
		chain   []*x509.Certificate
		roots   []*x509.Certificate
		revoked *Revocations
		want    error
	}{
		{"leaf of root1", []*x509.Certificate{leaf1.cert}, both, nil, nil},
		{"leaf via intermediate of root2", []*x509.Certificate{leaf2.cert, inter.cert}, both, nil, nil},
		{"only the old root trusted", []*x509.Certificate{leaf2.cert, inter.cert}, both[:1], nil, ErrUntrusted},
		{"missing intermediate", []*x509.Certificate{leaf2.cert}, both, nil, ErrUntrusted},
		{"unknown root", []*x509.Certificate{stranger.cert}, both, nil, ErrUntrusted},
		{"expired", []*x509.Certificate{expired.cert}, both, nil, ErrExpired},
		{"no SPIFFE ID", []*x509.Certificate{noURI.cert}, both, nil, ErrNoID},
		{"revoked serial", []*x509.Certificate{leaf1.cert}, both, bySerial, ErrRevoked},
		{"other serial not affected", []*x509.Certificate{leaf2.cert, inter.cert}, both, bySerial, nil},
		{"revoked id", []*x509.Certificate{leaf2.cert, inter.cert}, both, byID, ErrRevoked},
		{"revoked intermediate", []*x509.Certificate{leaf2.cert, inter.cert}, both, byInter, ErrRevoked},
		{"no certificate", nil, both, nil, ErrNoPeer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Verify(tc.chain, tc.roots, tc.revoked, now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && got.String() != id {
				t.Fatalf("id = %s, want %s", got, id)
			}
		})
	}

	raw := [][]byte{leaf2.cert.Raw, inter.cert.Raw}
	if got, err := VerifyRaw(raw, both, nil, now); err != nil || got.String() != id {
		t.Fatalf("VerifyRaw = %v, %v", got, err)
	}
	if _, err := VerifyRaw([][]byte{{1, 2, 3}}, both, nil, now); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("VerifyRaw(garbage) err = %v", err)
	}
}

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		in     string
		ok     bool
		ns, sa string
	}{
		{"spiffe://cluster.local/ns/default/sa/web", true, "default", "web"},
		{"spiffe://example.org", true, "", ""},
		{"spiffe://example.org/ns/a/sa/b/c", true, "", ""},
		{"https://example.org/ns/a/sa/b", false, "", ""},
		{"spiffe:///ns/a/sa/b", false, "", ""},
		{"spiffe://Example.org/x", false, "", ""},
		{"spiffe://example.org:8080/x", false, "", ""},
		{"spiffe://u@example.org/x", false, "", ""},
		{"spiffe://example.org/x?q=1", false, "", ""},
		{"spiffe://example.org/x#f", false, "", ""},
		{"spiffe://example.org/x/", false, "", ""},
	} {
		id, err := ParseID(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseID(%q) err = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if !tc.ok {
			continue
		}
		if id.String() != tc.in {
			t.Errorf("ParseID(%q).String() = %q", tc.in, id)
		}
		ns, sa, ok := id.NamespaceServiceAccount()
		if ns != tc.ns || sa != tc.sa || ok != (tc.ns != "") {
			t.Errorf("%q: NamespaceServiceAccount = %q, %q, %v", tc.in, ns, sa, ok)
		}
	}
	if _, err := NewRevocations([]string{"zz"}, nil); err == nil {
		t.Error("NewRevocations accepted a bad serial")
	}
	if _, err := NewRevocations(nil, []string{"http://x"}); err == nil {
		t.Error("NewRevocations accepted a bad id")
	}
}
