package wasmfilter_test

import (
	"bytes"
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

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"

	"github.com/wasmesh/wasmesh/proxy"
	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/wasmfilter"
)

// echoBackend answers with what it received: the body, its length and the
// request's Content-Length.
func echoBackend(t *testing.T) *httptest.Server {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %d bytes: %s", len(b), b)
	}))
	t.Cleanup(be.Close)
	return be
}

// startFilter runs a proxy with one Wasm filter (module, plugin
// configuration JSON) in front of be and returns the listener URL.
func startFilter(t *testing.T, module, name, configuration string, be *httptest.Server) string {
	t.Helper()
	return startFilterAt(t, module, name, configuration, strings.TrimPrefix(be.URL, "http://"), "")
}

// startFilterAt is startFilter for a backend address, with extra cluster YAML.
func startFilterAt(t *testing.T, module, name, configuration, backend, clusterExtra string) string {
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
            name: %s
            root_id: %s
            configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: %q}
            vm_config: {vm_id: %s, runtime: envoy.wasm.runtime.v8, code: {local: {filename: %q}}}
      - name: envoy.filters.http.router
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
`, name, name, configuration, name, module))
	h, p, _ := strings.Cut(backend, ":")
	cl := res(t, fmt.Sprintf(`
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: be
type: STATIC
load_assignment: {cluster_name: be, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: %s, port_value: %s}}}}]}]}
%s
`, h, p, clusterExtra))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	wf, err := wasmfilter.New(ctx, wasmfilter.Config{Logger: log, CacheDir: t.TempDir(), NodeID: "test"})
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
	return "http://" + px.ListenerAddr("l").String() + "/"
}

// post sends body (chunked when chunked is set) and returns status and reply.
func post(t *testing.T, u, contentType string, body []byte, chunked bool) (int, string) {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	if chunked {
		r = io.MultiReader(bytes.NewReader(body)) // hides the length: chunked transfer
	}
	req, _ := http.NewRequest(http.MethodPost, u, r)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestJSONValidateInProxy runs examples/filters/jsonvalidate, which pauses
// the request body until its end and then answers 400 for bad JSON.
func TestJSONValidateInProxy(t *testing.T) {
	u := startFilter(t, buildFilter(t, "jsonvalidate"), "jsonvalidate", `["name"]`, echoBackend(t))
	big := []byte(`{"name": "` + strings.Repeat("x", 300<<10) + `"}`)
	for _, c := range []struct {
		name, ct, body string
		chunked        bool
		status         int
		want           string
	}{
		{"valid", "application/json", `{"name": "ada"}`, false, 200, `got 15 bytes: {"name": "ada"}`},
		{"malformed", "application/json", `{"name": `, false, 400, `"error"`},
		{"missing field", "application/json", `{"other": 1}`, true, 400, `name`},
		{"not json passes", "text/plain", `{{{`, false, 200, "got 3 bytes: {{{"},
		{"large valid, chunked", "application/json", string(big), true, 200, fmt.Sprintf("got %d bytes", len(big))},
	} {
		status, body := post(t, u, c.ct, []byte(c.body), c.chunked)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %.120q, want %d containing %q", c.name, status, body, c.status, c.want)
		}
	}
	// Over the per-stream buffer limit (1 MiB) while the filter buffers: 413.
	huge := []byte(`{"name": "` + strings.Repeat("x", 2<<20) + `"}`)
	if status, _ := post(t, u, "application/json", huge, true); status != http.StatusRequestEntityTooLarge {
		t.Errorf("body over the buffer limit: status %d, want 413", status)
	}
}

// TestBodyRewrite checks that body mutations reach both sides: the backend
// sees the upper-cased request body and the client the bracketed response.
func TestBodyRewrite(t *testing.T) {
	u := startFilter(t, buildTestFilter(t, "bodyrewrite"), "bodyrewrite", `{}`, echoBackend(t))
	for _, chunked := range []bool{false, true} {
		in := "hello " + strings.Repeat("body ", 20000) // > one 32 KiB chunk
		status, body := post(t, u, "text/plain", []byte(in), chunked)
		want := fmt.Sprintf("[got %d bytes: %s]", len(in), strings.ToUpper(in))
		if status != 200 || body != want {
			t.Errorf("chunked=%v: %d %.80q..., want %.80q...", chunked, status, body, want)
		}
	}
}

// TestResponseOverBufferLimit: a filter that buffers the whole response
// body resets a response over the per-stream limit instead of growing.
func TestResponseOverBufferLimit(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(bytes.Repeat([]byte("x"), 2<<20))
	}))
	t.Cleanup(be.Close)
	u := startFilter(t, buildTestFilter(t, "bodyrewrite"), "bodyrewrite", `{}`, be)
	resp, err := http.Get(u)
	if err != nil {
		return // reset before the (buffered) headers left the proxy
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil {
		t.Fatalf("response over the buffer limit arrived whole: %d %d bytes", resp.StatusCode, n)
	}
}

// buildTestFilter compiles a filter under testdata to Wasm.
func buildTestFilter(t *testing.T, name string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name+".wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "./testdata/"+name)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s for wasip1 (needs the Go toolchain): %v\n%s", name, err, b)
	}
	return out
}
