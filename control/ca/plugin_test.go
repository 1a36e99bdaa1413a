package ca

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writePluginCA writes Istio-style cacerts (root → intermediate) into a new
// directory and returns it with the root and intermediate.
func writePluginCA(t *testing.T) (dir string, root, inter *x509.Certificate) {
	t.Helper()
	mk := func(serial int64, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour * 24 * 365),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c, key
	}
	root, rootKey := mk(1, "plug-in root", nil, nil)
	inter, interKey := mk(2, "plug-in intermediate", root, rootKey)
	keyDER, err := x509.MarshalECPrivateKey(interKey)
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	files := map[string][]byte{
		pluginCertFile:  certPEM(inter),
		pluginKeyFile:   pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		pluginRootFile:  certPEM(root),
		pluginChainFile: append(certPEM(inter), certPEM(root)...),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, root, inter
}

func TestPluginCAChain(t *testing.T) {
	dir, root, inter := writePluginCA(t)
	c := newTestCA(t, Config{PluginDir: dir})
	csr, _ := makeCSR(t, []string{webID})
	chain, err := c.Sign(csr, web, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 3 {
		t.Fatalf("chain has %d entries, want leaf, intermediate, root", len(chain))
	}
	certs, roots := parseChain(t, chain)
	if !bytes.Equal(certs[1].Raw, inter.Raw) || len(roots) != 1 || !bytes.Equal(roots[0].Raw, root.Raw) {
		t.Fatal("chain is not leaf → intermediate → root")
	}
	path := verifyChain(t, certs, []*x509.Certificate{root})
	if len(path) != 3 || !bytes.Equal(path[1].Raw, inter.Raw) {
		t.Fatalf("verified path has %d certificates", len(path))
	}
	if err := c.StageRoot(); !errors.Is(err, ErrPluginCA) {
		t.Fatalf("StageRoot on a plug-in CA: %v", err)
	}
}

func TestPluginCARefusesMismatchedKey(t *testing.T) {
	dir, _, _ := writePluginCA(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(other)
	if err := os.WriteFile(filepath.Join(dir, pluginKeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Dir: t.TempDir(), PluginDir: dir}, nil); err == nil {
		t.Fatal("a plug-in CA whose key does not match its certificate was accepted")
	}
}
