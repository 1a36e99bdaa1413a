package wasmfilter_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func TestWasmAuthFilterInProxy(t *testing.T) {
	module := buildWasm(t, "examples/filters/auth")
	u := startAuth(t, localCode(module), false)
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
	module := buildWasm(t, "examples/filters/auth")
	data, err := os.ReadFile(module)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(data) }))
	defer store.Close()
	u := startAuth(t, fmt.Sprintf("{remote: {http_uri: {uri: %q, cluster: be, timeout: 5s}, sha256: %q}}", store.URL+"/auth.wasm", hex.EncodeToString(sum[:])), false)
	if resp, err := http.Get(u); err != nil || resp.StatusCode != 401 {
		t.Fatalf("remote module not enforcing: %v %v", resp, err)
	}
	bad := strings.Repeat("0", 64)
	u = startAuth(t, fmt.Sprintf("{remote: {http_uri: {uri: %q, cluster: be, timeout: 5s}, sha256: %q}}", store.URL+"/auth.wasm", bad), true)
	if resp, err := http.Get(u); err != nil || resp.StatusCode != 200 {
		t.Fatalf("fail_open with a bad digest should skip the filter: %v %v", resp, err)
	}
}

// startAuth runs a proxy whose listener has the auth Wasm filter with the
// given code source, in front of a backend echoing the API key; it returns
// the listener URL.
func startAuth(t *testing.T, code string, failOpen bool) string {
	t.Helper()
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ok key=%s", r.Header.Get("X-Api-Key"))
	}))
	t.Cleanup(be.Close)
	return startProxy(t, filterSetup{name: "auth", configuration: `{"header": "x-api-key", "keys": ["k1"]}`, code: code,
		failOpen: failOpen, backend: strings.TrimPrefix(be.URL, "http://")})
}
