package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"

	"github.com/wasmesh/wasmesh/control/pilot/xds/xdstest"
)

// xDS over TLS on the secure port, verified against the CA's bundle.
func TestSecureXDS(t *testing.T) {
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "config")
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{ConfigDir: cfgDir, XDSAddr: "127.0.0.1:0", SecureXDSAddr: "127.0.0.1:0", MonitorAddr: "127.0.0.1:0",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()

	resp, err := http.Get("http://" + s.MonitorAddr() + "/ca/bundle.pem")
	if err != nil {
		t.Fatal(err)
	}
	pem, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("bundle is not PEM: %q", pem)
	}
	p, err := xdstest.Start(xdstest.Options{Address: s.SecureXDSAddr(), Node: proxyNode(t, "web-v1", "v1"),
		TLS: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := p.Wait(wctx, func(p *xdstest.Proxy) bool { return p.Version(resource.ClusterType) != "" }); err != nil {
		t.Fatalf("no config over TLS: %v (%+v)", err, p.Status())
	}
	if s.CA() == nil || s.Tokens() == nil {
		t.Error("CA or token store missing")
	}
}
