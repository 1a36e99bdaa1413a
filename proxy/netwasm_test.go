package proxy

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"

	"github.com/wasmesh/wasmesh/internal/syncbuf"
	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/wasmfilter"
)

// recordingEcho is a TCP upstream that echoes and records what it reads.
type recordingEcho struct {
	ln  net.Listener
	mu  sync.Mutex
	got strings.Builder
}

func newRecordingEcho(t *testing.T) *recordingEcho {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &recordingEcho{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					e.mu.Lock()
					e.got.Write(buf[:n])
					e.mu.Unlock()
					if n > 0 {
						_, _ = c.Write(buf[:n])
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return e
}

func (e *recordingEcho) take() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.got.String()
	e.got.Reset()
	return s
}

// netWasmListener is listener "tcp" with one network Wasm filter (module
// path, plugin configuration, fail_open) ahead of tcp_proxy to cluster echo.
func netWasmListener(module, behaviours string, failOpen bool) string {
	return fmt.Sprintf(`
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: tcp
address: {socket_address: {address: 127.0.0.1, port_value: 0}}
filter_chains:
- filters:
  - name: ns.tcpguest
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
      config:
        name: ns.tcpguest
        fail_open: %t
        configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: %q}
        vm_config: {vm_id: ns.tcpguest, code: {local: {filename: %q}}}
  - name: envoy.filters.network.tcp_proxy
    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: echo, cluster: echo}
`, failOpen, behaviours, module)
}

// echoThrough sends s through listener addr and returns what comes back
// after the client's half-close.
func echoThrough(t *testing.T, addr, s string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatal(err)
	}
	_ = c.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read through the proxy: %v", err)
	}
	return string(b)
}

// TestNetworkWasmOverXDS: a listener with envoy.filters.network.wasm ahead
// of tcp_proxy, pushed by go-control-plane's snapshot server, rewrites the
// bytes both ways; a module that cannot load NACKs (the old listener keeps
// serving) unless fail_open, which skips the filter; a bad filter config
// NACKs too.
func TestNetworkWasmOverXDS(t *testing.T) {
	module := filepath.Join(t.TempDir(), "tcpguest.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", module, "./netwasm/testdata/tcpguest")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the TCP guest for wasip1 (needs the Go toolchain): %v\n%s", err, b)
	}
	echo := newRecordingEcho(t)
	cluster := res(t, staticCluster("echo", "", echo.ln.Addr().String()))
	cp := startControlPlane(t, "127.0.0.1:0", cachev3.NewSnapshotCache(false, cachev3.IDHash{}, nil))
	push := func(version string, lst string) {
		cp.push(t, version, []types.Resource{res(t, lst), cluster}...)
	}
	push("1", netWasmListener(module, "upper,one", false))

	lb := &syncbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelWarn}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("proxy log:\n%s", syncbuf.Tail(lb.String(), 6000))
		}
	})
	nacked := func(version, reason string) func() bool {
		return func() bool {
			for _, l := range strings.Split(lb.String(), "\n") {
				if strings.Contains(l, "xdsclient: NACK") && strings.Contains(l, "version="+version+" ") && strings.Contains(l, reason) {
					return true
				}
			}
			return false
		}
	}
	wf, err := wasmfilter.New(context.Background(), wasmfilter.Config{Logger: log, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = wf.Close(context.Background()) })
	p := runProxy(t, Config{Logger: log, Bootstrap: &config.Bootstrap{}, Node: &corev3.Node{Id: nodeID, Cluster: "app"},
		XDSAddress: cp.addr, AdminAddr: "127.0.0.1:0", Drain: time.Second, Wasm: wf})
	waitFor(t, "listener tcp", func() bool { return p.ListenerAddr("tcp") != nil })
	addr := p.ListenerAddr("tcp").String()

	if got := echoThrough(t, addr, "hello"); got != "HE11O" {
		t.Fatalf("through the filter: %q, want HE11O", got)
	}
	if got := echo.take(); got != "HELLO" {
		t.Fatalf("upstream got %q, want HELLO", got)
	}

	// The module is missing and the filter fails closed: NACK, the old
	// listener keeps filtering.
	missing := filepath.Join(t.TempDir(), "missing.wasm")
	push("2", netWasmListener(missing, "upper", false))
	waitFor(t, "NACK of the missing module", nacked("2", "network filter ns.tcpguest: wasmfilter: open "+missing))
	if cp.nacks.Load() == 0 {
		t.Fatal("the control plane saw no NACK")
	}
	if got := echoThrough(t, addr, "still"); got != "STI11" {
		t.Fatalf("after the NACK: %q, want the old filter's STI11", got)
	}
	echo.take()

	// A bad filter config (no code): NACK.
	push("3", strings.Replace(netWasmListener(module, "upper", false), "code: {local: {filename: "+fmt.Sprintf("%q", module)+"}}", "runtime: envoy.wasm.runtime.v8", 1))
	waitFor(t, "NACK of the bad config", nacked("3", `filter_chains[0].filters[0].typed_config.config.vm_config.code: network filter \"ns.tcpguest\": invalid: missing`))

	// The module is missing and the filter fails open: accepted, with the
	// filter skipped (the bytes pass unchanged).
	push("4", netWasmListener(missing, "upper", true))
	waitFor(t, "the fail_open listener", func() bool {
		a := p.ListenerAddr("tcp")
		return a != nil && echoThrough(t, a.String(), "plain") == "plain"
	})
	if got := echo.take(); !strings.HasSuffix(got, "plain") {
		t.Fatalf("upstream got %q, want plain unfiltered", got)
	}
}
