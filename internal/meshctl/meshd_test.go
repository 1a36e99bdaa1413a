package meshctl

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/server"
)

// startMeshd runs a real meshd in-process on loopback and returns its
// monitoring address (host:port) and plaintext xDS address.
func startMeshd(t *testing.T) (string, string) {
	t.Helper()
	return startMeshdWith(t, "")
}

// startMeshdCA is startMeshd with the CA (secure xDS) running.
func startMeshdCA(t *testing.T) (string, string) {
	t.Helper()
	return startMeshdWith(t, "127.0.0.1:0")
}

func startMeshdWith(t *testing.T, secure string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "config")
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Config{ConfigDir: cfgDir, DataDir: filepath.Join(dir, "data"), XDSAddr: "127.0.0.1:0", SecureXDSAddr: secure,
		MonitorAddr: "127.0.0.1:0", Debounce: 20 * time.Millisecond, MaxDebounce: 200 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("meshd: %v", err)
		}
	})
	return s.MonitorAddr(), s.XDSAddr()
}

var (
	proxyBinOnce sync.Once
	proxyBin     string
	proxyBinErr  error
)

// meshproxyBinary builds cmd/meshproxy once per test run.
func meshproxyBinary(t *testing.T) string {
	t.Helper()
	proxyBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "meshctl-test-bin")
		if err != nil {
			proxyBinErr = err
			return
		}
		proxyBin = filepath.Join(dir, "meshproxy")
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if out, err := exec.Command(goTool, "build", "-o", proxyBin, "github.com/wasmesh/wasmesh/cmd/meshproxy").CombinedOutput(); err != nil {
			proxyBinErr = fmt.Errorf("building meshproxy: %v\n%s", err, out)
		}
	})
	if proxyBinErr != nil {
		t.Fatal(proxyBinErr)
	}
	return proxyBin
}

// startProxy runs meshproxy as a sidecar named name against xdsAddr and
// returns its admin address once it is ready.
func startProxy(t *testing.T, name, xdsAddr string) string {
	t.Helper()
	dir := t.TempDir()
	boot := filepath.Join(dir, "bootstrap.yaml")
	y := fmt.Sprintf("node:\n  id: sidecar~127.0.0.1~%[1]s.default~default.svc.cluster.local\n  metadata:\n    NAME: %[1]s\n    NAMESPACE: default\n    INSTANCE_IPS: 127.0.0.1\n    INTERCEPTION_MODE: NONE\n    LABELS: {app: %[1]s}\n", name)
	if err := os.WriteFile(boot, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	admin := freePort(t)
	cmd := exec.Command(meshproxyBinary(t), "--bootstrap", boot, "--xds-address", xdsAddr, "--admin-port", fmt.Sprint(admin),
		"--access-log=false", "--drain-time", "100ms", "--wasm-cache-dir", filepath.Join(dir, "wasm"))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		waited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-waited
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", admin)
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("meshproxy %s not ready: %v\n%s", name, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
