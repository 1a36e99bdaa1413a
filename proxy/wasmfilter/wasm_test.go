package wasmfilter_test

import (
	"context"
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
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ok key=%s", r.Header.Get("X-Api-Key"))
	}))
	defer be.Close()
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
            vm_config: {vm_id: auth, runtime: envoy.wasm.runtime.v8, code: {local: {filename: %q}}}
      - name: envoy.filters.http.router
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
`, module))
	h, p, _ := strings.Cut(strings.TrimPrefix(be.URL, "http://"), ":")
	cl := res(t, fmt.Sprintf(`
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: be
type: STATIC
load_assignment: {cluster_name: be, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: %s, port_value: %s}}}}]}]}
`, h, p))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wf, err := wasmfilter.New(ctx, wasmfilter.Config{Logger: log, CacheDir: t.TempDir(), NodeID: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer wf.Close(context.Background())
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
	u := "http://" + px.ListenerAddr("l").String() + "/"
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
	cancel()
	<-done
}
