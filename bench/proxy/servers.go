package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/wasmesh/wasmesh/internal/syncbuf"
)

func write(dir, name, content string) (string, error) {
	p := filepath.Join(dir, name)
	return p, os.WriteFile(p, []byte(content), 0o644)
}

func start(name string, args ...string) (*exec.Cmd, error) {
	c := exec.Command(name, args...)
	errb := &syncbuf.Buffer{}
	c.Stderr = errb
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", name, err, errb.String())
	}
	stderrs.Store(c, errb)
	return c, nil
}

// stderrs keeps each started process's stderr, to show when a run fails.
var stderrs sync.Map // *exec.Cmd → *syncbuf.Buffer

// stderrTail is the last 2 KiB a process wrote to stderr.
func stderrTail(c *exec.Cmd) string {
	v, ok := stderrs.Load(c)
	if !ok {
		return ""
	}
	s := v.(*syncbuf.Buffer).String()
	return s[max(0, len(s)-2048):]
}

// startNginxBackend serves a 1 KiB body on backendPort.
func startNginxBackend(dir string) (*exec.Cmd, error) {
	root := filepath.Join(dir, "www")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	if _, err := write(root, "index.html", string(bytes.Repeat([]byte("x"), 1024))); err != nil {
		return nil, err
	}
	conf, err := write(dir, "backend.conf", fmt.Sprintf(`
daemon off; master_process on; worker_processes 1; pid %[1]s/backend.pid; error_log stderr error;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:%[2]d; root %[3]s; location / { index index.html; } } }
`, dir, backendPort, root))
	if err != nil {
		return nil, err
	}
	c, err := start("nginx", "-c", conf, "-p", dir)
	if err != nil {
		return nil, err
	}
	if err := waitHTTP(backendPort); err != nil {
		stop(c)
		return nil, err
	}
	return c, nil
}

func startNginxProxy(dir string) (*exec.Cmd, error) {
	conf, err := write(dir, "proxy.conf", fmt.Sprintf(`
daemon off; master_process on; worker_processes 2; pid %[1]s/proxy.pid; error_log stderr error;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream be { server 127.0.0.1:%[2]d; keepalive 128; }
  server { listen 127.0.0.1:%[3]d;
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
`, dir, backendPort, proxyPort))
	if err != nil {
		return nil, err
	}
	return start("nginx", "-c", conf, "-p", dir)
}

func startHAProxy(dir string) (*exec.Cmd, error) {
	conf, err := write(dir, "haproxy.cfg", fmt.Sprintf(`
global
  nbthread 2
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:%d
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:%d
`, proxyPort, backendPort))
	if err != nil {
		return nil, err
	}
	return start("haproxy", "-db", "-f", conf)
}

func startCaddy(dir string) (*exec.Cmd, error) {
	conf, err := write(dir, "Caddyfile", fmt.Sprintf(`{
  admin off
  auto_https off
}
http://127.0.0.1:%d {
  reverse_proxy 127.0.0.1:%d
}
`, proxyPort, backendPort))
	if err != nil {
		return nil, err
	}
	c := exec.Command("caddy", "run", "--config", conf, "--adapter", "caddyfile")
	c.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	return c, c.Start()
}

func startMeshproxy(dir, bin, wasm string) (*exec.Cmd, error) {
	var filters string
	for i, m := range strings.Split(wasm, ",") {
		if m == "" {
			continue
		}
		abs, err := filepath.Abs(m)
		if err != nil {
			return nil, err
		}
		configuration := "{}"
		if filepath.Base(m) == "authz.wasm" {
			if configuration, err = authzConfig(dir); err != nil {
				return nil, fmt.Errorf("authz policy: %w", err)
			}
		}
		filters += fmt.Sprintf(`
          - name: envoy.filters.http.wasm
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config: {name: f%[1]d, root_id: f%[1]d, vm_config: {vm_id: f%[1]d, runtime: envoy.wasm.runtime.v8, code: {local: {filename: %[2]q}}}, configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: %[3]q}}`, i, abs, configuration)
	}
	boot, err := write(dir, "mesh.yaml", fmt.Sprintf(`
node: {id: bench, cluster: bench}
static_resources:
  clusters:
  - name: be
    type: STATIC
    connect_timeout: 1s
    load_assignment: {cluster_name: be, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]}
  listeners:
  - name: l
    address: {socket_address: {address: 127.0.0.1, port_value: %d}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: l
          route_config: {name: r, virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: be}}]}]}
          http_filters:%[3]s
          - {name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}
`, backendPort, proxyPort, filters))
	if err != nil {
		return nil, err
	}
	return start(bin, "--bootstrap", boot, "--admin-port", fmt.Sprint(adminPort), "--access-log=false", "--log-level", "error",
		fmt.Sprintf("--wasm-deadlines=%v", wasmDeadlines))
}

// wasmDeadlines is meshproxy's --wasm-deadlines for the runs (flag -wasm-deadlines).
var wasmDeadlines = true
