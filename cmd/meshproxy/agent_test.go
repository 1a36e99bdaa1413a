package main

import (
	"context"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/wasmesh/wasmesh/control/ca"
	"github.com/wasmesh/wasmesh/proxy"
	"github.com/wasmesh/wasmesh/proxy/agent"
	"github.com/wasmesh/wasmesh/proxy/config"
)

// The agent's default/ROOTCA reach the proxy as SDS secrets and follow
// rotation (2 s certificates, renewed at half life) without a restart.
func TestAgentSecretsFollowRotation(t *testing.T) {
	c, err := ca.New(ca.Config{Dir: t.TempDir(), DefaultTTL: 2 * time.Second, MaxTTL: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := ca.OpenTokenStore("")
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(c.ServerTLSConfig("127.0.0.1"))))
	ca.NewServer(c, tokens, nil).Register(srv)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	tok, err := tokens.Mint(ca.Identity{Namespace: "default", ServiceAccount: "web"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := resolveIdentity(identityFlags{workload: "web", serviceAccount: "web"}, nil, nil, "h")
	if err != nil {
		t.Fatal(err)
	}
	a, err := agent.New(agent.Config{CAAddress: lis.Addr().String(), CARootsPEM: c.BundlePEM(), Token: tok,
		ID: id.spiffeID(), TTL: 2 * time.Second, MinBackoff: 50 * time.Millisecond, MaxBackoff: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	secrets := newAgentSecrets(a, slog.New(slog.DiscardHandler))
	if secrets.Secret(agent.SecretDefault) != nil {
		t.Fatal("a certificate before the agent ran")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { _ = a.Run(ctx); done <- struct{}{} }()
	go func() { secrets.run(ctx); done <- struct{}{} }()
	defer func() { cancel(); <-done; <-done }()

	serial := func() string {
		s := secrets.Secret(agent.SecretDefault)
		if s == nil || s.Certificate == nil {
			return ""
		}
		leaf, err := x509.ParseCertificate(s.Certificate.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		if got := leaf.URIs[0].String(); got != "spiffe://cluster.local/ns/default/sa/web" {
			t.Fatalf("certificate for %s", got)
		}
		return leaf.SerialNumber.String()
	}
	seen := map[string]bool{}
	deadline := time.Now().Add(6 * time.Second)
	for len(seen) < 3 && time.Now().Before(deadline) {
		if s := serial(); s != "" {
			seen[s] = true
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(seen) < 3 {
		t.Fatalf("%d certificates served in 6s, want 3 (rotation at half of 2s)", len(seen))
	}
	root := secrets.Secret(agent.SecretRootCA)
	if root == nil || root.Roots == nil {
		t.Fatal("no ROOTCA validation context")
	}
	checkConfigDump(t, secrets)
}

// checkConfigDump: the agent's secrets show in the proxy's /config_dump
// (what meshctl proxy-config secret reads), private key redacted.
func checkConfigDump(t *testing.T, secrets *agentSecrets) {
	t.Helper()
	px, err := proxy.New(proxy.Config{Logger: slog.New(slog.DiscardHandler), AdminAddr: "127.0.0.1:0", LocalSecrets: secrets,
		Bootstrap: &config.Bootstrap{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- px.Run(ctx) }()
	defer func() { cancel(); <-done }()
	var addr net.Addr
	for i := 0; i < 200 && addr == nil; i++ {
		addr = px.AdminAddr()
		time.Sleep(10 * time.Millisecond)
	}
	if addr == nil {
		t.Fatal("admin never listened")
	}
	resp, err := http.Get("http://" + addr.String() + "/config_dump")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	dump := string(b)
	for _, want := range []string{`"name":"default"`, `"name":"ROOTCA"`, `"versionInfo":"local-agent"`, `"certificateChain"`} {
		if !strings.Contains(strings.ReplaceAll(dump, " ", ""), strings.ReplaceAll(want, " ", "")) {
			t.Errorf("config_dump lacks %s", want)
		}
	}
	if strings.Contains(dump, "PRIVATE KEY") {
		t.Error("config_dump shows the private key")
	}
}
