package wasmfilter_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"sigs.k8s.io/yaml"

	"github.com/wasmesh/wasmesh/proxy"
	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/wasmfilter"
)

// res decodes one resource written as YAML of an Any ("@type" and fields).
func res(t *testing.T, y string) proto.Message {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	var a anypb.Any
	if err := protojson.Unmarshal(js, &a); err != nil {
		t.Fatal(err)
	}
	m, err := a.UnmarshalNew()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// buildWasm compiles a package of this module (e.g. "examples/filters/auth")
// to Wasm with the standard Go toolchain.
func buildWasm(t *testing.T, pkg string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(pkg)+".wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "github.com/wasmesh/wasmesh/"+pkg)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s for wasip1 (needs the Go toolchain): %v\n%s", pkg, err, b)
	}
	return out
}

// filterSetup is a proxy listener with one Wasm filter in front of the
// cluster be.
type filterSetup struct {
	name          string // plugin name, root_id and vm_id
	configuration string // the plugin's configuration (JSON)
	code          string // vm_config.code as YAML: {local: …} or {remote: …}
	failOpen      bool
	backend       string // be's one endpoint, host:port
	clusterExtra  string // more YAML fields of be
}

// localCode is vm_config.code for a module file.
func localCode(module string) string { return fmt.Sprintf("{local: {filename: %q}}", module) }

// startProxy runs a proxy with s's listener "l" and cluster be until the
// test ends and returns the listener's URL.
func startProxy(t *testing.T, s filterSetup) string {
	t.Helper()
	lst := res(t, fmt.Sprintf(`
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: l
address: {socket_address: {address: 127.0.0.1, port_value: 0}}
filter_chains:
- filters:
  - name: envoy.filters.network.http_connection_manager
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
      stat_prefix: l
      route_config: {name: r, virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: be}}]}]}
      http_filters:
      - name: envoy.filters.http.wasm
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
          config:
            name: %[1]s
            root_id: %[1]s
            configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: %[2]q}
            fail_open: %[3]v
            vm_config: {vm_id: %[1]s, runtime: envoy.wasm.runtime.v8, code: %[4]s}
      - name: envoy.filters.http.router
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
`, s.name, s.configuration, s.failOpen, s.code))
	h, p, _ := strings.Cut(s.backend, ":")
	cl := res(t, fmt.Sprintf(`
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: be
type: STATIC
load_assignment: {cluster_name: be, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: %s, port_value: %s}}}}]}]}
%s
`, h, p, s.clusterExtra))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	wf, err := wasmfilter.New(ctx, wasmfilter.Config{Logger: log, CacheDir: t.TempDir(), NodeID: "test", AllowPrivateFetch: true})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	px, err := proxy.New(proxy.Config{Logger: log, Wasm: wf, Bootstrap: &config.Bootstrap{
		Listeners: []*listenerv3.Listener{lst.(*listenerv3.Listener)}, Clusters: []*clusterv3.Cluster{cl.(*clusterv3.Cluster)}}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- px.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = wf.Close(context.Background())
	})
	deadline := time.Now().Add(30 * time.Second)
	for px.ListenerAddr("l") == nil {
		select {
		case err := <-done:
			done <- err // for the cleanup
			t.Fatalf("proxy stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("listener never came up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "http://" + px.ListenerAddr("l").String() + "/"
}
