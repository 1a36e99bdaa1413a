package ui

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/internal/demo"
)

// lineWatch is an io.Writer that closes seen when a line containing want
// is written.
type lineWatch struct {
	mu   sync.Mutex
	buf  strings.Builder
	want string
	seen chan struct{}
	once sync.Once
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func (w *lineWatch) String() string { w.mu.Lock(); defer w.mu.Unlock(); return w.buf.String() }

// TestDemoDashboard runs the demo mesh (internal/demo: meshd, the gateway
// and bookinfo's sidecars, built fresh), keeps it up and sends traffic
// through its gateway while headless Chromium checks meshd's /ui: the
// bookinfo services and edges in the graph, a denied request first in the
// decisions view. Screenshots: screenshots/demo-*.png.
func TestDemoDashboard(t *testing.T) {
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
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	out := &lineWatch{want: "The mesh stays up", seen: make(chan struct{})}
	upErr := make(chan error, 1)
	go func() {
		upErr <- demo.Up(ctx, demo.Config{Dir: filepath.Join(dir, "demo"), Bin: filepath.Join(dir, "bin"), Root: root,
			Requests: 30, Out: out, Progress: io.Discard})
	}()
	defer func() {
		cancel()
		if err := <-upErr; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("demo: %v", err)
		}
	}()
	select {
	case <-out.seen:
	case err := <-upErr:
		upErr <- err
		t.Fatalf("demo ended before the mesh was up: %v\n%s", err, out.String())
	case <-ctx.Done():
		t.Fatalf("demo not up in time:\n%s", out.String())
	}
	st, err := demo.LoadState(filepath.Join(dir, "demo"))
	if err != nil {
		t.Fatal(err)
	}

	// live traffic through the gateway during the browser check
	trafficCtx, stopTraffic := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := &http.Client{Timeout: 5 * time.Second}
		for trafficCtx.Err() == nil {
			for _, m := range []string{http.MethodGet, http.MethodGet, http.MethodPost} {
				req, _ := http.NewRequestWithContext(trafficCtx, m, st.Gateway+"/", nil)
				if resp, err := c.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	defer func() { stopTraffic(); wg.Wait() }()

	shots, err := filepath.Abs("screenshots")
	if err != nil {
		t.Fatal(err)
	}
	bctx, bcancel := context.WithTimeout(ctx, 90*time.Second)
	defer bcancel()
	res, err := exec.CommandContext(bctx, node, "demo.mjs", "http://"+st.Meshd+"/ui/", shots).CombinedOutput()
	t.Logf("demo.mjs:\n%s", res)
	if err != nil {
		t.Fatalf("browser checks failed: %v\ndemo output:\n%s", err, out.String())
	}
	for _, f := range []string{"demo-dashboard.png", "demo-topology.png", "demo-decisions.png"} {
		if st, err := os.Stat(filepath.Join(shots, f)); err != nil || st.Size() == 0 {
			t.Errorf("screenshot %s missing: %v", f, err)
		}
	}
}
