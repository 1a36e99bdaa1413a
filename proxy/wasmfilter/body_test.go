package wasmfilter_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
	return startProxy(t, filterSetup{name: name, configuration: configuration, code: localCode(module), backend: strings.TrimPrefix(be.URL, "http://")})
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
	u := startFilter(t, buildWasm(t, "examples/filters/jsonvalidate"), "jsonvalidate", `["name"]`, echoBackend(t))
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
	u := startFilter(t, buildWasm(t, "proxy/wasmfilter/testdata/bodyrewrite"), "bodyrewrite", `{}`, echoBackend(t))
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
	u := startFilter(t, buildWasm(t, "proxy/wasmfilter/testdata/bodyrewrite"), "bodyrewrite", `{}`, be)
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
