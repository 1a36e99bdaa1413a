package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestBinaryServesAndDrainsOnSIGTERM builds meshproxy, runs it with a static
// bootstrap, sends a request and stops it with SIGTERM.
func TestBinaryServesAndDrainsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "meshproxy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	port, admin := freePort(t), freePort(t)
	boot := fmt.Sprintf(`
node: {id: test, cluster: test}
static_resources:
  listeners:
  - name: l
    address: {socket_address: {address: 127.0.0.1, port_value: %d}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: l
          route_config: {name: r, virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, direct_response: {status: 200, body: {inline_string: hello}}}]}]}
          access_log: [{name: envoy.access_loggers.stdout, typed_config: {"@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog}}]
          http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]
`, port)
	bf := filepath.Join(dir, "boot.yaml")
	if err := os.WriteFile(bf, []byte(boot), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--bootstrap", bf, "--admin-port", fmt.Sprint(admin), "--drain-time", "1s")
	var stdout strings.Builder
	cmd.Stdout = &stdout
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	deadline := time.Now().Add(10 * time.Second)
	var body []byte
	for {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("proxy never served: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if string(body) != "hello" {
		t.Fatalf("body %q", body)
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/ready", admin))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/ready: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not exit after SIGTERM")
	}
	if !strings.Contains(stdout.String(), `"GET / HTTP/1.1" 200 - 0 5 `) {
		t.Errorf("access log: %q", stdout.String())
	}
}

func TestFlags(t *testing.T) {
	if _, err := parse([]string{"--mode", "weird"}, io.Discard); err == nil {
		t.Error("bad mode accepted")
	}
	f, err := parse([]string{"--mode", "gateway"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if id := defaultNodeID(f.mode); !strings.HasPrefix(id, "router~") {
		t.Errorf("gateway node id %q", id)
	}
}
