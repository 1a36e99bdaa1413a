package ui

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/ui"
	"github.com/wasmesh/wasmesh/test/ui/fixture"
)

// chromiumPath is Debian's chromium; CHROMIUM overrides it.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

func TestUI(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: apt-get install -y nodejs (node 20 or newer)")
	}
	if _, err := os.Stat(chromiumPath()); err != nil {
		t.Fatalf("no chromium at %s: apt-get install -y chromium", chromiumPath())
	}
	if _, err := os.Stat(filepath.Join("node_modules", "playwright-core", "package.json")); err != nil {
		t.Fatal("playwright-core is not installed: run (cd test/ui && npm ci)")
	}

	mesh, err := fixture.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer mesh.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: ui.Handler(mesh.Sources()), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	defer srv.Close()

	shots, err := filepath.Abs("screenshots")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "ui.mjs", "http://"+ln.Addr().String()+"/ui/", shots)
	out, err := cmd.CombinedOutput()
	t.Logf("ui.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser checks failed: %v", err)
	}
	for _, f := range []string{"dashboard.png", "topology.png", "decisions.png"} {
		if st, err := os.Stat(filepath.Join(shots, f)); err != nil || st.Size() == 0 {
			t.Errorf("screenshot %s missing: %v", f, err)
		}
	}
}
