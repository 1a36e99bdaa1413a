package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/internal/syncbuf"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wasmesh-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := func() int {
		defer os.RemoveAll(dir)
		for _, cmd := range []string{"meshd", "meshproxy"} {
			if out, err := exec.Command(goTool(), "build", "-o", filepath.Join(dir, cmd), "github.com/wasmesh/wasmesh/cmd/"+cmd).CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "e2e: building %s: %v\n%s", cmd, err, out)
				return 1
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// process is a child process whose output is kept for failure reports.
type process struct {
	name string
	cmd  *exec.Cmd
	out  *syncbuf.Buffer
	done chan struct{}
}

// start runs a binary until the test ends (SIGTERM, then SIGKILL).
func start(t *testing.T, name string, args ...string) *process {
	t.Helper()
	p := &process{name: name, out: &syncbuf.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(filepath.Join(binDir, strings.Fields(name)[0]), args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("---- %s output ----\n%s", p.name, syncbuf.Tail(p.out.String(), 60))
		}
	})
	return p
}

// waitHTTP polls url until it answers 200.
func waitHTTP(t *testing.T, url string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %v (last: %v)", url, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// backend is a small Go service answering its name.
func backend(t *testing.T, name string) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("x-served-by", name)
		_, _ = io.WriteString(w, name)
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return l.Addr().(*net.TCPAddr).Port
}

// bootstrap writes a meshproxy bootstrap naming the node and its workload.
func bootstrap(t *testing.T, dir, name string, labels map[string]string, port int) string {
	t.Helper()
	var lb strings.Builder
	for k, v := range labels {
		fmt.Fprintf(&lb, "      %s: %q\n", k, v)
	}
	y := fmt.Sprintf(`node:
  id: sidecar~127.0.0.1~%[1]s.default~default.svc.cluster.local
  metadata:
    NAME: %[1]s
    NAMESPACE: default
    INSTANCE_IPS: 127.0.0.1
    INTERCEPTION_MODE: NONE
    POD_PORTS: '[{"name":"http","containerPort":%[2]d}]'
    LABELS:
%[3]s`, name, port, lb.String())
	f := filepath.Join(dir, name+".bootstrap.yaml")
	if err := os.WriteFile(f, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func itoa(n int) string { return strconv.Itoa(n) }
