package ca_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/wasmesh/wasmesh/control/ca"
	"github.com/wasmesh/wasmesh/proxy/agent"
	"github.com/wasmesh/wasmesh/proxy/agent/spiffe"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// meshd is a CA serving its CSR API over TLS on a loopback port that
// survives stop/start.
type meshd struct {
	t      *testing.T
	ca     *ca.CA
	tokens *ca.TokenStore
	addr   string
	srv    *grpc.Server
}

func startMeshd(t *testing.T, cfg ca.Config) *meshd {
	t.Helper()
	cfg.Dir = t.TempDir()
	c, err := ca.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := ca.OpenTokenStore("")
	if err != nil {
		t.Fatal(err)
	}
	m := &meshd{t: t, ca: c, tokens: tokens, addr: "127.0.0.1:0"}
	m.start()
	t.Cleanup(m.stop)
	return m
}

func (m *meshd) start() {
	m.t.Helper()
	lis, err := net.Listen("tcp", m.addr)
	if err != nil {
		m.t.Fatal(err)
	}
	m.addr = lis.Addr().String()
	m.srv = grpc.NewServer(grpc.Creds(credentials.NewTLS(m.ca.ServerTLSConfig("127.0.0.1"))))
	ca.NewServer(m.ca, m.tokens, nil).Register(m.srv)
	go m.srv.Serve(lis)
}

func (m *meshd) stop() {
	if m.srv != nil {
		m.srv.Stop()
		m.srv = nil
	}
}

// runAgent mints a token for default/<sa>, runs an agent asking for ttl and
// waits for its first certificate.
func (m *meshd) runAgent(sa string, ttl time.Duration) *agent.Agent {
	m.t.Helper()
	tok, err := m.tokens.Mint(ca.Identity{Namespace: "default", ServiceAccount: sa})
	if err != nil {
		m.t.Fatal(err)
	}
	a, err := agent.New(agent.Config{
		CAAddress:  m.addr,
		CARootsPEM: m.ca.BundlePEM(),
		Token:      tok,
		ID:         "spiffe://cluster.local/ns/default/sa/" + sa,
		TTL:        ttl,
		MinBackoff: 50 * time.Millisecond,
		MaxBackoff: 300 * time.Millisecond,
	})
	if err != nil {
		m.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	m.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			m.t.Errorf("agent %s: Run: %v", sa, err)
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if _, err := a.WaitReady(wctx); err != nil {
		m.t.Fatal(err)
	}
	return a
}

// serveMTLS accepts mTLS connections with a's server config, answers each
// with the peer's SPIFFE ID and reports handshake errors on the channel.
func serveMTLS(t *testing.T, a *agent.Agent) (string, <-chan error) {
	t.Helper()
	lis, err := tls.Listen("tcp", "127.0.0.1:0", a.ServerTLSConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 1024)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				tc := conn.(*tls.Conn)
				tc.SetDeadline(time.Now().Add(5 * time.Second))
				if err := tc.Handshake(); err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				id, _ := spiffe.IDFromCert(tc.ConnectionState().PeerCertificates[0])
				tc.Write([]byte(id.String() + "\n"))
			}()
		}
	}()
	t.Cleanup(func() { lis.Close(); wg.Wait() })
	return lis.Addr().String(), errs
}

// call makes one mTLS connection and returns the ID the server saw.
func call(addr string, conf *tls.Config) (string, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, conf)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line), err
}

func serial(a *agent.Agent) string { return a.Current().Leaf().SerialNumber.Text(16) }

// eventually polls cond every 20ms for up to d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out after %s waiting for %s", d, what)
}

func TestAgentIssuesAndServesSDS(t *testing.T) {
	m := startMeshd(t, ca.Config{})
	web := m.runAgent("web", 0)
	db := m.runAgent("db", 0)

	mat := web.Current()
	if got := mat.ID.String(); got != "spiffe://cluster.local/ns/default/sa/web" {
		t.Fatalf("id %s", got)
	}
	if life := time.Until(mat.Leaf().NotAfter); life < 23*time.Hour || life > 25*time.Hour {
		t.Fatalf("default lifetime %s, want 24h", life)
	}

	def, err := web.Secret(agent.SecretDefault)
	if err != nil {
		t.Fatal(err)
	}
	tc := def.GetTlsCertificate()
	pair, err := tls.X509KeyPair(tc.GetCertificateChain().GetInlineBytes(), tc.GetPrivateKey().GetInlineBytes())
	if err != nil {
		t.Fatalf("default secret is not a usable key pair: %v", err)
	}
	if !bytes.Equal(pair.Certificate[0], mat.Certificate.Certificate[0]) {
		t.Fatal("default secret holds another certificate")
	}
	root, err := web.Secret(agent.SecretRootCA)
	if err != nil {
		t.Fatal(err)
	}
	if got := root.GetValidationContext().GetTrustedCa().GetInlineBytes(); !bytes.Equal(got, m.ca.BundlePEM()) {
		t.Fatal("ROOTCA secret is not the CA's bundle")
	}
	if _, err := web.Secret("other"); !errors.Is(err, agent.ErrUnknownSecret) {
		t.Fatalf("unknown secret: %v", err)
	}

	addr, _ := serveMTLS(t, db)
	var serverID string
	conf := web.ClientTLSConfig(func(id spiffe.ID) error { serverID = id.String(); return nil })
	got, err := call(addr, conf)
	if err != nil {
		t.Fatal(err)
	}
	if got != "spiffe://cluster.local/ns/default/sa/web" || serverID != "spiffe://cluster.local/ns/default/sa/db" {
		t.Fatalf("server saw %q, client saw %q", got, serverID)
	}
	deny := web.ClientTLSConfig(func(spiffe.ID) error { return errors.New("not db") })
	if _, err := call(addr, deny); err == nil {
		t.Fatal("authorize refusal did not fail the handshake")
	}
}

func TestAgentRotatesAtHalfLife(t *testing.T) {
	m := startMeshd(t, ca.Config{DefaultTTL: 2 * time.Second, MaxTTL: 2 * time.Second})
	a := m.runAgent("web", 2*time.Second)
	events, cancel := a.Subscribe()
	defer cancel()

	mats := []*agent.Material{a.Current()}
	deadline := time.After(8 * time.Second)
	for len(mats) < 4 {
		select {
		case <-events:
			if m := a.Current(); m != mats[len(mats)-1] {
				mats = append(mats, m)
			}
		case <-deadline:
			t.Fatalf("%d certificates in 8s, want 4 with a 2s TTL", len(mats))
		}
	}
	// Each renewal came at the previous certificate's half-life, before it expired.
	for i := 1; i < len(mats); i++ {
		prev, cur := mats[i-1], mats[i]
		if cur.IssuedAt.Before(prev.RefreshAt) || cur.IssuedAt.After(prev.Leaf().NotAfter) {
			t.Fatalf("renewal %d at %s, want between the half-life %s and the expiry %s", i, cur.IssuedAt, prev.RefreshAt, prev.Leaf().NotAfter)
		}
		if mid := prev.IssuedAt.Add(prev.Leaf().NotAfter.Sub(prev.IssuedAt) / 2); !prev.RefreshAt.Equal(mid) {
			t.Fatalf("refresh at %s, want half-life %s", prev.RefreshAt, mid)
		}
	}
	if _, err := a.GetCertificate(nil); err != nil {
		t.Fatal(err)
	}
}

func TestAgentKeepsValidCertificateWhileCADown(t *testing.T) {
	m := startMeshd(t, ca.Config{DefaultTTL: 3 * time.Second, MaxTTL: 3 * time.Second})
	web := m.runAgent("web", 0)
	db := m.runAgent("db", time.Hour)
	addr, _ := serveMTLS(t, db)

	before := serial(web)
	m.stop()
	time.Sleep(2 * time.Second) // past web's refresh point (1.5s): its retries fail
	if serial(web) != before {
		t.Fatal("certificate changed while the CA was down")
	}
	if _, err := call(addr, web.ClientTLSConfig(nil)); err != nil {
		t.Fatalf("still-valid certificate unusable while the CA is down: %v", err)
	}
	m.start()
	eventually(t, 5*time.Second, "a new certificate once the CA is back", func() bool { return serial(web) != before })
	if _, err := call(addr, web.ClientTLSConfig(nil)); err != nil {
		t.Fatal(err)
	}
}

func TestRootRotationKeepsConnectionsVerifiable(t *testing.T) {
	m := startMeshd(t, ca.Config{})
	web := m.runAgent("web", 0)
	db := m.runAgent("db", 0)
	addr, _ := serveMTLS(t, db)

	var ok, failed atomic.Int64
	var lastErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // steady load across the rotation
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := call(addr, web.ClientTLSConfig(nil)); err != nil {
				failed.Add(1)
				lastErr.Store(err)
			} else {
				ok.Add(1)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	push := func(a *agent.Agent) {
		if err := a.SetTrustBundle(m.ca.BundlePEM()); err != nil {
			t.Error(err)
		}
	}
	oldRoot := m.ca.Bundle()[0]
	time.Sleep(100 * time.Millisecond)

	if err := m.ca.StageRoot(); err != nil {
		t.Fatal(err)
	}
	push(web)
	time.Sleep(100 * time.Millisecond) // pushes reach proxies at different times
	push(db)
	time.Sleep(100 * time.Millisecond)

	if err := m.ca.ActivateRoot(time.Hour); err != nil {
		t.Fatal(err)
	}
	newRoot := m.ca.Bundle()[0]
	webBefore, dbBefore := serial(web), serial(db)
	push(db) // db re-issues under the new root first; web still holds an old-root certificate
	eventually(t, 5*time.Second, "db re-issued", func() bool { return serial(db) != dbBefore })
	time.Sleep(100 * time.Millisecond)
	push(web)
	eventually(t, 5*time.Second, "web re-issued", func() bool { return serial(web) != webBefore })
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()

	for _, a := range []*agent.Agent{web, db} {
		chain := a.Current().Certificate.Certificate
		leaf, _ := x509.ParseCertificate(chain[0])
		if leaf.CheckSignatureFrom(newRoot) != nil || leaf.CheckSignatureFrom(oldRoot) == nil {
			t.Fatalf("%s is not signed by the new root after the rotation", a.Current().ID)
		}
	}
	if failed.Load() != 0 {
		t.Fatalf("%d of %d connections failed during the root rotation; last: %v", failed.Load(), failed.Load()+ok.Load(), lastErr.Load())
	}
	if ok.Load() < 20 {
		t.Fatalf("only %d connections during the rotation", ok.Load())
	}
}

func TestRevokedPeerRefused(t *testing.T) {
	m := startMeshd(t, ca.Config{})
	db := m.runAgent("db", 0)
	web := m.runAgent("web", 0)
	ratings := m.runAgent("ratings", 0)
	addr, serverErrs := serveMTLS(t, db)

	if _, err := call(addr, web.ClientTLSConfig(nil)); err != nil {
		t.Fatal(err)
	}
	push := func() {
		r := m.ca.Revocations()
		for _, a := range []*agent.Agent{db, web, ratings} {
			if err := a.SetRevocations(r.Serials, r.IDs); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := m.ca.Revoke(serial(web)); err != nil {
		t.Fatal(err)
	}
	push()
	if _, err := call(addr, web.ClientTLSConfig(nil)); err == nil {
		t.Fatal("server accepted a peer revoked by serial")
	}
	if err := <-serverErrs; !errors.Is(err, spiffe.ErrRevoked) {
		t.Fatalf("server refused for %v, want ErrRevoked", err)
	}
	if _, err := call(addr, ratings.ClientTLSConfig(nil)); err != nil {
		t.Fatalf("unrevoked peer refused: %v", err)
	}

	if err := m.ca.Revoke("spiffe://cluster.local/ns/default/sa/db"); err != nil {
		t.Fatal(err)
	}
	push()
	// Now the client refuses the server: db is revoked by ID.
	if _, err := call(addr, ratings.ClientTLSConfig(nil)); !errors.Is(err, spiffe.ErrRevoked) {
		t.Fatalf("client accepted a server revoked by ID: %v", err)
	}
}

func TestExpiredPeerRefused(t *testing.T) {
	m := startMeshd(t, ca.Config{})
	db := m.runAgent("db", 0)
	addr, serverErrs := serveMTLS(t, db)

	// A certificate that lives one second, from an agent that stopped renewing.
	tok, err := m.tokens.Mint(ca.Identity{Namespace: "default", ServiceAccount: "web"})
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	web, err := agent.New(agent.Config{CAAddress: m.addr, CARootsPEM: m.ca.BundlePEM(), TokenFile: tokenFile, ID: "spiffe://cluster.local/ns/default/sa/web", TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- web.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	mat, err := web.WaitReady(wctx)
	wcancel()
	cancel()
	if err != nil || <-done != nil {
		t.Fatal(err)
	}
	if _, err := call(addr, web.ClientTLSConfig(nil)); err != nil {
		t.Fatalf("fresh certificate refused: %v", err)
	}
	time.Sleep(time.Until(mat.Leaf().NotAfter) + 100*time.Millisecond)

	if _, err := web.GetCertificate(nil); !errors.Is(err, agent.ErrNoCertificate) {
		t.Fatalf("agent still offers an expired certificate: %v", err)
	}
	// Present the expired certificate anyway: the server must refuse it.
	stale := &tls.Config{Certificates: []tls.Certificate{mat.Certificate}, InsecureSkipVerify: true}
	if _, err := call(addr, stale); err == nil {
		t.Fatal("server accepted an expired peer")
	}
	if err := <-serverErrs; !errors.Is(err, spiffe.ErrExpired) {
		t.Fatalf("server refused for %v, want ErrExpired", err)
	}
}

func TestAgentVerifiesMeshdCertificate(t *testing.T) {
	m := startMeshd(t, ca.Config{})
	impostor, err := ca.New(ca.Config{Dir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := m.tokens.Mint(ca.Identity{Namespace: "default", ServiceAccount: "web"})
	if err != nil {
		t.Fatal(err)
	}
	// The agent trusts another root than the one meshd's serving certificate chains to.
	a, err := agent.New(agent.Config{CAAddress: m.addr, CARootsPEM: impostor.BundlePEM(), Token: tok, ID: "spiffe://cluster.local/ns/default/sa/web", MinBackoff: 50 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	if _, err := a.WaitReady(ctx); err == nil {
		t.Fatal("agent got a certificate from a CA whose serving certificate it should not trust")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
