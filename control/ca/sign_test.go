package ca

import (
	"bytes"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSelfSignedRootPersists(t *testing.T) {
	dir := t.TempDir()
	c1 := newTestCA(t, Config{Dir: dir})
	st, err := os.Stat(filepath.Join(dir, rootKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("root key mode %v, want 0600", st.Mode().Perm())
	}
	c2 := newTestCA(t, Config{Dir: dir})
	if !bytes.Equal(c1.BundlePEM(), c2.BundlePEM()) {
		t.Fatal("second start generated another root instead of loading the first")
	}
	root := c1.Bundle()[0]
	if !root.IsCA || root.NotAfter.Sub(root.NotBefore) < 9*365*24*time.Hour {
		t.Fatalf("root: IsCA=%v lifetime %s", root.IsCA, root.NotAfter.Sub(root.NotBefore))
	}
}

func TestSign(t *testing.T) {
	c := newTestCA(t, Config{DefaultTTL: time.Hour, MaxTTL: 2 * time.Hour})
	csr, key := makeCSR(t, []string{webID})

	for _, tc := range []struct {
		name      string
		requested time.Duration
		want      time.Duration
	}{
		{"default", 0, time.Hour},
		{"requested", 30 * time.Minute, 30 * time.Minute},
		{"capped", 48 * time.Hour, 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := time.Now()
			chain, err := c.Sign(csr, web, tc.requested)
			if err != nil {
				t.Fatal(err)
			}
			certs, roots := parseChain(t, chain)
			verifyChain(t, certs, roots)
			leaf := certs[0]
			if !key.PublicKey.Equal(leaf.PublicKey) {
				t.Fatal("leaf is not for the CSR's key")
			}
			if len(leaf.URIs) != 1 || leaf.URIs[0].String() != webID || len(leaf.DNSNames) != 0 {
				t.Fatalf("leaf SANs: %v %v", leaf.URIs, leaf.DNSNames)
			}
			if got := leaf.NotAfter.Sub(before); got < tc.want-time.Second || got > tc.want+time.Second {
				t.Fatalf("lifetime from now %s, want %s", got, tc.want)
			}
			if leaf.IsCA {
				t.Fatal("leaf is a CA")
			}
		})
	}
}

func TestSignRefuses(t *testing.T) {
	c := newTestCA(t, Config{})
	other, _ := makeCSR(t, []string{"spiffe://cluster.local/ns/default/sa/admin"})
	otherTD, _ := makeCSR(t, []string{"spiffe://evil.example/ns/default/sa/web"})
	extraURI, _ := makeCSR(t, []string{webID, "spiffe://cluster.local/ns/default/sa/admin"})
	extraDNS, _ := makeCSR(t, []string{webID}, "admin.default.svc")
	none, _ := makeCSR(t, nil)
	good, _ := makeCSR(t, []string{webID})
	block, _ := pem.Decode(good)
	der := bytes.Clone(block.Bytes)
	der[len(der)-1] ^= 0xff // the signature's last byte
	tampered := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})

	for _, tc := range []struct {
		name string
		csr  []byte
		id   Identity
		want error
	}{
		{"another identity", other, web, ErrPermissionDenied},
		{"another trust domain", otherTD, web, ErrPermissionDenied},
		{"an extra URI SAN", extraURI, web, ErrPermissionDenied},
		{"an extra DNS SAN", extraDNS, web, ErrPermissionDenied},
		{"no SAN", none, web, ErrPermissionDenied},
		{"not PEM", []byte("hello"), web, ErrInvalidCSR},
		{"two PEM blocks", append(append([]byte{}, good...), good...), web, ErrInvalidCSR},
		{"tampered", tampered, web, ErrInvalidCSR},
		{"invalid caller identity", good, Identity{Namespace: "a/b", ServiceAccount: "web"}, ErrPermissionDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.Sign(tc.csr, tc.id, 0); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func FuzzParseCSR(f *testing.F) {
	good, _ := makeCSR(f, []string{webID})
	f.Add(good)
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		csr, err := ParseCSR(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidCSR) {
				t.Fatalf("error %v does not wrap ErrInvalidCSR", err)
			}
			return
		}
		if csr.CheckSignature() != nil {
			t.Fatal("accepted a CSR with a bad signature")
		}
		_ = checkSANs(csr, webID)
	})
}
