package agent

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/proxy/agent/spiffe"
)

const webID = "spiffe://cluster.local/ns/default/sa/web"

func TestConfigValidate(t *testing.T) {
	good := Config{CAAddress: "meshd.mesh:15012", Token: "t", ID: webID}
	v, err := good.validate()
	if err != nil {
		t.Fatal(err)
	}
	if v.ServerName != "meshd.mesh" || v.MinBackoff != DefaultMinBackoff || v.MaxBackoff != DefaultMaxBackoff || v.id.String() != webID {
		t.Fatalf("defaults not applied: %+v", v)
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no port", func(c *Config) { c.CAAddress = "meshd" }, "ca address"},
		{"bad id", func(c *Config) { c.ID = "https://x" }, "id"},
		{"no token", func(c *Config) { c.Token = "" }, "token"},
		{"two tokens", func(c *Config) { c.TokenFile = "/t" }, "token"},
		{"bad roots", func(c *Config) { c.CARootsPEM = []byte("x") }, "ca roots"},
		{"backoff", func(c *Config) { c.MinBackoff, c.MaxBackoff = time.Second, time.Millisecond }, "backoff"},
		{"negative ttl", func(c *Config) { c.TTL = -1 }, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.edit(&c)
			_, err := c.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestJitter(t *testing.T) {
	for i := 0; i < 100; i++ {
		if d := jitter(time.Second); d < 500*time.Millisecond || d >= time.Second {
			t.Fatalf("jitter(1s) = %s", d)
		}
	}
}

// testCA signs leaves for newMaterial tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) *testCA {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key}
}

func (c *testCA) leaf(t *testing.T, pub any, id string, life time.Duration) string {
	u, _ := url.Parse(id)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(life), URIs: []*url.URL{u}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, pub, c.key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func (c *testCA) root() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw}))
}

func TestNewMaterial(t *testing.T) {
	ca, stranger := newTestCA(t), newTestCA(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	want, _ := spiffe.ParseID(webID)
	now := time.Now()

	m, err := newMaterial([]string{ca.leaf(t, key.Public(), webID, time.Hour), ca.root()}, key, want, now)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != want || len(m.Roots) != 1 || len(m.Certificate.Certificate) != 1 {
		t.Fatalf("material %+v", m)
	}
	if got := m.RefreshAt.Sub(now); got < 29*time.Minute || got > 31*time.Minute {
		t.Fatalf("refresh in %s, want half of 1h", got)
	}
	if !strings.HasPrefix(string(m.ChainPEM()), "-----BEGIN CERTIFICATE-----") {
		t.Fatal("ChainPEM is not PEM")
	}

	for _, tc := range []struct {
		name  string
		chain []string
	}{
		{"leaf only", []string{ca.leaf(t, key.Public(), webID, time.Hour)}},
		{"another key", []string{ca.leaf(t, other.Public(), webID, time.Hour), ca.root()}},
		{"another id", []string{ca.leaf(t, key.Public(), "spiffe://cluster.local/ns/default/sa/db", time.Hour), ca.root()}},
		{"untrusted", []string{stranger.leaf(t, key.Public(), webID, time.Hour), ca.root()}},
		{"expired", []string{ca.leaf(t, key.Public(), webID, -time.Second), ca.root()}},
		{"garbage roots", []string{ca.leaf(t, key.Public(), webID, time.Hour), "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := newMaterial(tc.chain, key, want, now); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestNothingBeforeIssue(t *testing.T) {
	a, err := New(Config{CAAddress: "127.0.0.1:1", Token: "t", ID: webID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetCertificate(nil); !errors.Is(err, ErrNoCertificate) {
		t.Fatalf("GetCertificate: %v", err)
	}
	for _, name := range []string{SecretDefault, SecretRootCA} {
		if _, err := a.Secret(name); !errors.Is(err, ErrNoCertificate) {
			t.Fatalf("Secret(%s): %v", name, err)
		}
	}
	if _, err := a.VerifyPeer(nil); !errors.Is(err, spiffe.ErrUntrusted) {
		t.Fatalf("VerifyPeer: %v", err)
	}
	if err := a.SetTrustBundle([]byte("x")); err == nil {
		t.Fatal("SetTrustBundle accepted garbage")
	}
	if err := a.SetRevocations([]string{"zz"}, nil); err == nil {
		t.Fatal("SetRevocations accepted a bad serial")
	}
}

func TestUnion(t *testing.T) {
	a, b, c := newTestCA(t).cert, newTestCA(t).cert, newTestCA(t).cert
	got := union([]*x509.Certificate{a, b}, []*x509.Certificate{b, c})
	if len(got) != 3 || got[0] != a || got[1] != b || got[2] != c {
		t.Fatalf("union = %d certificates, want a, b, c", len(got))
	}
}
