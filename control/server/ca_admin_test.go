package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/ca"
)

// startCAServer runs meshd with its CA and a 90 s workload certificate TTL.
func startCAServer(t *testing.T) (*Server, string) {
	t.Helper()
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "config")
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{ConfigDir: cfgDir, XDSAddr: "127.0.0.1:0", SecureXDSAddr: "127.0.0.1:0", MonitorAddr: "127.0.0.1:0",
		WorkloadCertTTL: 90 * time.Second, MaxWorkloadCertTTL: 2 * time.Minute, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return s, "http://" + s.MonitorAddr()
}

func call(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestCAAdminRootRotation(t *testing.T) {
	s, base := startCAServer(t)
	c := s.CA()
	first := c.Bundle()[0]
	if code, body := call(t, http.MethodPost, base+"/ca/root/activate", ""); code != http.StatusConflict {
		t.Fatalf("activate without a staged root: %d %s, want 409", code, body)
	}
	if code, body := call(t, http.MethodGet, base+"/ca/root/stage", ""); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET stage: %d %s, want 405", code, body)
	}
	if code, body := call(t, http.MethodPost, base+"/ca/root/stage", ""); code != http.StatusOK {
		t.Fatalf("stage: %d %s", code, body)
	}
	if n := len(c.Bundle()); n != 2 {
		t.Fatalf("bundle after stage has %d roots, want 2", n)
	}
	if !c.Bundle()[0].Equal(first) {
		t.Fatal("stage changed the signing root")
	}
	if code, body := call(t, http.MethodPost, base+"/ca/root/activate?overlap=bad", ""); code != http.StatusBadRequest {
		t.Fatalf("activate with a bad overlap: %d %s, want 400", code, body)
	}
	if code, body := call(t, http.MethodPost, base+"/ca/root/activate?overlap=1m", ""); code != http.StatusOK {
		t.Fatalf("activate: %d %s", code, body)
	}
	b := c.Bundle()
	if len(b) != 2 || b[0].Equal(first) || !b[1].Equal(first) {
		t.Fatalf("bundle after activate: %d roots, new signing root first and the old one trusted expected", len(b))
	}
}

func TestCAAdminRevocations(t *testing.T) {
	s, base := startCAServer(t)
	const id = "spiffe://cluster.local/ns/default/sa/evil"
	for _, bad := range []string{`{}`, `{"serial":"ab","spiffeID":"` + id + `"}`, `{"spiffeID":"nope"}`, `{"serial":"` + id + `"}`, `{"serial":"zz"}`, `not json`} {
		if code, body := call(t, http.MethodPost, base+"/ca/revocations", bad); code != http.StatusBadRequest {
			t.Errorf("POST %s: %d %s, want 400", bad, code, body)
		}
	}
	if code, body := call(t, http.MethodPost, base+"/ca/revocations", `{"spiffeID":"`+id+`"}`); code != http.StatusOK {
		t.Fatalf("revoke id: %d %s", code, body)
	}
	if code, body := call(t, http.MethodPost, base+"/ca/revocations", `{"serial":"0A:bC"}`); code != http.StatusOK {
		t.Fatalf("revoke serial: %d %s", code, body)
	}
	code, body := call(t, http.MethodGet, base+"/ca/revocations", "")
	if code != http.StatusOK {
		t.Fatalf("GET: %d %s", code, body)
	}
	var got ca.Revocations
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.IDs) != 1 || got.IDs[0] != id || len(got.Serials) != 1 || got.Serials[0] != "abc" {
		t.Fatalf("revocations = %+v", got)
	}
	if !s.CA().IsRevoked(id, nil) {
		t.Fatal("CA does not see the revoked ID")
	}
}

func TestCAAdminWorkloadTTL(t *testing.T) {
	s, _ := startCAServer(t)
	chain, err := s.CA().Sign(testCSR(t, "spiffe://cluster.local/ns/default/sa/web"), ca.Identity{Namespace: "default", ServiceAccount: "web"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	leaf := parseLeaf(t, chain[0])
	if d := leaf.NotAfter.Sub(leaf.NotBefore); d > 90*time.Second+2*time.Minute || d < 90*time.Second {
		t.Fatalf("default leaf lifetime %s, want 90s (plus the backdate)", d)
	}
	chain, err = s.CA().Sign(testCSR(t, "spiffe://cluster.local/ns/default/sa/web"), ca.Identity{Namespace: "default", ServiceAccount: "web"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf = parseLeaf(t, chain[0])
	if d := time.Until(leaf.NotAfter); d > 2*time.Minute+time.Second {
		t.Fatalf("leaf expires in %s, want capped at the 2m maximum", d)
	}
}

func TestCAAdminLoopbackOnly(t *testing.T) {
	s, _ := startCAServer(t)
	for _, path := range []string{"/ca/root/stage", "/ca/root/activate", "/ca/revocations"} {
		req, _ := http.NewRequest(http.MethodPost, "http://meshd"+path, strings.NewReader(`{"spiffeID":"spiffe://cluster.local/ns/a/sa/b"}`))
		req.RemoteAddr = "192.0.2.7:4000" // documentation range; never dialled
		rec := httptest.NewRecorder()
		s.httpHandler().ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("POST %s from a remote address: %d, want 403", path, rec.Code)
		}
	}
	if len(s.CA().Revocations().IDs) != 0 || len(s.CA().Bundle()) != 1 {
		t.Fatal("a remote caller changed the CA")
	}
}

func testCSR(t *testing.T, id string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(id)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{URIs: []*url.URL{u}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func parseLeaf(t *testing.T, p string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		t.Fatal("leaf is not PEM")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
