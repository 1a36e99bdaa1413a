//go:build linux

package netns

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// testBinary is this test binary, which runs the pods' apps.
func testBinary(t *testing.T) string {
	t.Helper()
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// serveModules exposes meshd's module store (GET /modules/…) to the pods
// on the host's bridge address; meshd's monitoring port stays on loopback,
// where it also mints identities.
func serveModules(t *testing.T, addr, monitor string) {
	t.Helper()
	target, err := url.Parse(monitor)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/modules/") {
			http.Error(w, "only GET /modules/ is forwarded", http.StatusForbidden)
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
}
