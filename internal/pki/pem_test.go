package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func selfSigned(t testing.TB, cn string) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), k
}

func TestParseCertificates(t *testing.T) {
	a, k := selfSigned(t, "a")
	b, _ := selfSigned(t, "b")
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	certs, err := ParseCertificates(append(append(append([]byte{}, a...), keyPEM...), b...))
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 2 || certs[0].Subject.CommonName != "a" || certs[1].Subject.CommonName != "b" {
		t.Fatalf("got %d certificates, want a then b (the key skipped)", len(certs))
	}
	if _, err := ParseCertificates(keyPEM); !errors.Is(err, ErrNoCertificate) {
		t.Errorf("key only: %v, want ErrNoCertificate", err)
	}
	bad := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})
	if _, err := ParseCertificates(append(append([]byte{}, a...), bad...)); err == nil || !strings.Contains(err.Error(), "certificate 2") {
		t.Errorf("bad second certificate: %v, want an error naming certificate 2", err)
	}
}

func TestParseKey(t *testing.T) {
	_, ec := selfSigned(t, "k")
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(ec)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, typ string
		der       []byte
		ok        bool
	}{
		{"pkcs8", "PRIVATE KEY", pkcs8, true},
		{"sec1", "EC PRIVATE KEY", sec1, true},
		{"pkcs1", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk), true},
		{"wrong type", "CERTIFICATE", pkcs8, false},
		{"junk", "PRIVATE KEY", []byte("junk"), false},
	} {
		_, err := ParseKey(pem.EncodeToMemory(&pem.Block{Type: c.typ, Bytes: c.der}))
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.name, err, c.ok)
		}
	}
	if _, err := ParseKey([]byte("not pem")); err == nil {
		t.Error("not PEM: want an error")
	}
}

func FuzzParseCertificates(f *testing.F) {
	a, _ := selfSigned(f, "seed")
	f.Add(a)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := ParseCertificates(data)
		if err == nil && len(certs) == 0 {
			t.Fatal("no error and no certificate")
		}
		_, _ = ParseKey(data)
	})
}
