package wasmfilter_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"sigs.k8s.io/yaml"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"

	"github.com/wasmesh/wasmesh/proxy"
	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/wasmfilter"
)

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

// buildFilter compiles an example filter to Wasm with the standard Go toolchain.
func buildFilter(t *testing.T, name string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name+".wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "github.com/wasmesh/wasmesh/examples/filters/"+name)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s for wasip1 (needs the Go toolchain): %v\n%s", name, err, b)
	}
	return out
}

func TestWasmAuthFilterInProxy(t *testing.T) {
	module := buildFilter(t, "auth")
	_, u := startWithWasm(t, fmt.Sprintf("{local: {filename: %q}}", module), false)
	for _, c := range []struct {
		key    string
		status int
		body   string
	}{{"", 401, "missing x-api-key"}, {"bad", 403, "invalid x-api-key"}, {"k1", 200, "ok key=k1"}} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if c.key != "" {
			req.Header.Set("X-Api-Key", c.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(string(b), c.body) {
			t.Errorf("key %q: %d %q, want %d %q", c.key, resp.StatusCode, b, c.status, c.body)
		}
	}
}

// TestWasmRemoteModule fetches the module over HTTP with its sha256; a wrong
// digest fails the load, and with fail_open the filter is skipped instead.
func TestWasmRemoteModule(t *testing.T) {
	module := buildFilter(t, "auth")
	data, err := os.ReadFile(module)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(data) }))
	defer store.Close()
	_, u := startWithWasm(t, fmt.Sprintf("{remote: {http_uri: {uri: %q, cluster: be, timeout: 5s}, sha256: %q}}", store.URL+"/auth.wasm", hex.EncodeToString(sum[:])), false)
	if resp, err := http.Get(u); err != nil || resp.StatusCode != 401 {
		t.Fatalf("remote module not enforcing: %v %v", resp, err)
	}
	bad := strings.Repeat("0", 64)
	_, u = startWithWasm(t, fmt.Sprintf("{remote: {http_uri: {uri: %q, cluster: be, timeout: 5s}, sha256: %q}}", store.URL+"/auth.wasm", bad), true)
	if resp, err := http.Get(u); err != nil || resp.StatusCode != 200 {
		t.Fatalf("fail_open with a bad digest should skip the filter: %v %v", resp, err)
	}
}

// startWithWasm runs a proxy whose listener has the auth Wasm filter with the
// given code source, in front of a backend; it returns the listener URL.
func startWithWasm(t *testing.T, code string, failOpen bool) (*proxy.Proxy, string) {
	t.Helper()
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ok key=%s", r.Header.Get("X-Api-Key"))
	}))
	t.Cleanup(be.Close)
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
            name: auth
            root_id: auth
            configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: '{"header": "x-api-key", "keys": ["k1"]}'}
            fail_open: %v
            vm_config: {vm_id: auth, runtime: envoy.wasm.runtime.v8, code: %s}
      - name: envoy.filters.http.router
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
`, failOpen, code))
	h, p, _ := strings.Cut(strings.TrimPrefix(be.URL, "http://"), ":")
	cl := res(t, fmt.Sprintf(`
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: be
type: STATIC
load_assignment: {cluster_name: be, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: %s, port_value: %s}}}}]}]}
`, h, p))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	wf, err := wasmfilter.New(ctx, wasmfilter.Config{Logger: log, CacheDir: t.TempDir(), NodeID: "test", AllowPrivateFetch: true})
	if err != nil {
		t.Fatal(err)
	}
	px, err := proxy.New(proxy.Config{Logger: log, Wasm: wf, Bootstrap: &config.Bootstrap{
		Listeners: []*listenerv3.Listener{lst.(*listenerv3.Listener)}, Clusters: []*clusterv3.Cluster{cl.(*clusterv3.Cluster)}}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- px.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for px.ListenerAddr("l") == nil {
		select {
		case err := <-done:
			t.Fatalf("proxy stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("listener never came up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() {
		cancel()
		<-done
		_ = wf.Close(context.Background())
	})
	return px, "http://" + px.ListenerAddr("l").String() + "/"
}
