package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/wasmesh/wasmesh/control/ca"
)

type authFunc func(context.Context) (ca.Identity, error)

func (f authFunc) Authenticate(ctx context.Context) (ca.Identity, error) { return f(ctx) }

func TestAuthChain(t *testing.T) {
	id := ca.Identity{Namespace: "ns", ServiceAccount: "sa"}
	unknown := authFunc(func(context.Context) (ca.Identity, error) {
		return ca.Identity{}, fmt.Errorf("x: %w", ca.ErrUnauthenticated)
	})
	knows := authFunc(func(context.Context) (ca.Identity, error) { return id, nil })
	broken := errors.New("api server unreachable")
	fails := authFunc(func(context.Context) (ca.Identity, error) { return ca.Identity{}, broken })
	for _, tc := range []struct {
		name  string
		chain authChain
		want  error
	}{
		{"first knows", authChain{knows, fails}, nil},
		{"second knows", authChain{unknown, knows}, nil},
		{"nobody knows", authChain{unknown, unknown}, ca.ErrUnauthenticated},
		{"empty", authChain{}, ca.ErrUnauthenticated},
		{"failure ends the search", authChain{unknown, fails, knows}, broken},
	} {
		got, err := tc.chain.Authenticate(context.Background())
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
		if tc.want == nil && got != id {
			t.Errorf("%s: identity %v", tc.name, got)
		}
	}
}

func testCertPEM(t *testing.T, cn string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestSameCerts(t *testing.T) {
	a, b := testCertPEM(t, "a"), testCertPEM(t, "b")
	ab := append(append([]byte{}, a...), b...)
	ba := append(append([]byte("# comment\n"), b...), a...)
	for _, tc := range []struct {
		name string
		x, y []byte
		want bool
	}{
		{"same", a, a, true},
		{"order and text around", ab, ba, true},
		{"different", a, b, false},
		{"subset", a, ab, false},
		{"superset", ab, a, false},
		{"duplicates", append(append([]byte{}, a...), a...), a, true},
		{"duplicate vs other", append(append([]byte{}, a...), a...), ab, false},
		{"empty vs cert", nil, a, false},
		{"garbage", []byte("not pem"), nil, true},
	} {
		if got := sameCerts(tc.x, tc.y); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestKubernetesConfigDefaults(t *testing.T) {
	rc := &rest.Config{Host: "https://127.0.0.1:6443"}
	c, err := Config{Kubernetes: &KubeConfig{Rest: rc, Identity: "a"}, SecureXDSAddr: "127.0.0.1:0"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if k := c.Kubernetes; k.Namespace != "wasmesh-system" || k.TokenAudience != "istio-ca" || k.DomainSuffix != "cluster.local" ||
		c.DataDir == "" || !filepath.IsAbs(c.DataDir) {
		t.Errorf("defaults: %+v, kubernetes %+v", c, k)
	}
	for name, bad := range map[string]Config{
		"no api server":                {Kubernetes: &KubeConfig{}},
		"replicas without a shared CA": {Kubernetes: &KubeConfig{Rest: rc, LeaseName: "l"}, SecureXDSAddr: "127.0.0.1:0"},
		"file mode without a dir":      {},
	} {
		if _, err := bad.withDefaults(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzSameCerts feeds caBundle bytes as the API server may hold them.
func FuzzSameCerts(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), []byte{})
	f.Add([]byte("garbage"), []byte("-----BEGIN CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if !sameCerts(a, a) {
			t.Fatalf("a bundle differs from itself: %q", a)
		}
		if sameCerts(a, b) != sameCerts(b, a) {
			t.Fatalf("not symmetric: %q %q", a, b)
		}
	})
}
