package policyfn

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/wasmesh/wasmesh/policy/compile"
	"github.com/wasmesh/wasmesh/policy/eval"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/fetch"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// moduleServer serves compiled policies by digest, as meshd's module store does.
type moduleServer struct {
	mu   sync.Mutex
	mods map[string][]byte
	hits int
}

func (m *moduleServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hits++
	b, ok := m.mods[strings.TrimPrefix(r.URL.Path, "/modules/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write(b)
}

func compilePolicy(t *testing.T, src string) *compile.Policy {
	t.Helper()
	p, err := compile.Compile(context.Background(), compile.Request{
		Modules:     []compile.Module{{File: "p.rego", Source: src}},
		Entrypoints: []string{"wasmesh/authz/allow"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type peer string

func (p peer) Property(path []string) ([]byte, bool) {
	switch strings.Join(path, ".") {
	case "connection.uri_san_peer_certificate":
		return []byte(p), true
	case "connection.mtls":
		return []byte{1}, true
	}
	return nil, false
}

// TestAuthzFilterLoadsAndSwapsPolicy runs the real authz filter, compiled to
// Wasm, on the real host with the proxy's policy functions: the filter's
// configuration names a policy module by digest, the proxy fetches and loads
// it, and requests are decided by it; a new configuration swaps the policy.
func TestAuthzFilterLoadsAndSwapsPolicy(t *testing.T) {
	ctx := context.Background()
	frontendOnly, err := os.ReadFile("../../examples/policies/frontend-only.rego")
	if err != nil {
		t.Fatal(err)
	}
	p1 := compilePolicy(t, string(frontendOnly))
	p2 := compilePolicy(t, "package wasmesh.authz\n\ndefault allow := {\"allow\": false, \"status\": 451, \"reason\": \"closed for maintenance\"}\n")
	mods := &moduleServer{mods: map[string][]byte{p1.SHA256: p1.Wasm, p2.SHA256: p2.Wasm}}
	srv := httptest.NewServer(mods)
	defer srv.Close()

	engine, err := eval.New(ctx, eval.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close(ctx)
	fetcher, err := fetch.New(fetch.Config{CacheDir: t.TempDir(), AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	fns := New(nil, engine, fetcher)
	reg := host.NewForeignRegistry()
	fns.Register(reg)
	h, err := host.New(ctx, host.Config{Foreign: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	authz := dual.Build(t, "../../filters/authz")

	load := func(p *compile.Policy) *host.Plugin {
		fields, _ := json.Marshal(p.Fields)
		cfg := fmt.Sprintf(`{"policy":"shop/frontend-only","module":{"url":%q,"sha256":%q,"fields":%s}}`, srv.URL+"/modules/"+p.SHA256, p.SHA256, fields)
		pl, err := h.Load(ctx, host.PluginConfig{Name: "authz", RootID: "authz", VMID: "authz", Module: authz, Configuration: []byte(cfg), PoolSize: 2})
		if err != nil {
			t.Fatalf("loading the authz plugin: %v", err)
		}
		return pl
	}
	decide := func(pl *host.Plugin, principal, method string) host.Result {
		s := pl.NewHTTPStream(peer(principal), host.StreamCallbacks{})
		defer s.Done()
		hdrs := host.Headers{{Key: ":method", Value: method}, {Key: ":path", Value: "/api/books"}, {Key: ":authority", Value: "shop"}}
		return s.OnRequestHeaders(&hdrs, true)
	}
	frontend := "spiffe://cluster.local/ns/shop/sa/frontend"

	pl1 := load(p1)
	if r := decide(pl1, frontend, "GET"); r.Action != abi.ActionContinue || r.Local != nil {
		t.Fatalf("frontend GET: %+v %+v %s", r, r.Local, r.Local.Body)
	}
	r := decide(pl1, "spiffe://cluster.local/ns/shop/sa/batch", "GET")
	if r.Local == nil || r.Local.Status != 403 || !strings.Contains(string(r.Local.Body), "only the frontend") {
		t.Fatalf("batch GET: %+v", r)
	}
	for i := 0; i < 5; i++ {
		decide(pl1, frontend, "GET") // cached decisions
	}
	if st := engine.CacheStats(); st.Hits < 5 {
		t.Errorf("cache stats %+v, want at least 5 hits", st)
	}
	if got := fns.Loaded()["shop/frontend-only"]; got != p1.SHA256 {
		t.Errorf("loaded %q", got)
	}
	fetched := mods.hits

	// A new filter configuration with another policy version swaps it; the
	// old plugin's streams are decided by the new policy too.
	pl2 := load(p2)
	for _, pl := range []*host.Plugin{pl2, pl1} {
		if r := decide(pl, frontend, "GET"); r.Local == nil || r.Local.Status != 451 {
			t.Fatalf("after the swap: %+v", r)
		}
	}
	pl1.Close(ctx)
	if mods.hits != fetched+1 {
		t.Errorf("module fetched %d times for one new version", mods.hits-fetched)
	}

	// A policy that cannot be fetched fails the plugin start: the proxy NACKs.
	bad := fmt.Sprintf(`{"policy":"x","module":{"url":%q,"sha256":%q}}`, srv.URL+"/modules/nope", strings.Repeat("a", 64))
	if _, err := h.Load(ctx, host.PluginConfig{Name: "authz-bad", RootID: "authz", VMID: "authz-bad", Module: authz, Configuration: []byte(bad)}); err == nil {
		t.Error("a plugin whose policy cannot be fetched started")
	}
}

func TestDecodeLoadArgs(t *testing.T) {
	for in, want := range map[string]string{
		`{}`: "name, sha256, url required",
		`{"name":"a","url":"u","sha256":"s","extra":1}`: `unknown field "extra"`,
		`[`: "bad load arguments",
	} {
		if _, err := DecodeLoadArgs([]byte(in)); err == nil || !strings.Contains(err.Error(), strings.Split(want, ",")[0]) {
			t.Errorf("%s: err = %v, want %q", in, err, want)
		}
	}
	a, err := DecodeLoadArgs([]byte(`{"name":"a","url":"u","sha256":"s","fields":{"paths":[["request","path"]]},"data":{"x":1}}`))
	if err != nil || len(a.Fields.Paths) != 1 || a.Fields.Whole || string(a.Data) != `{"x":1}` {
		t.Errorf("%+v %v", a, err)
	}
	// Unknown fields make the key (and the evaluated input) the whole input;
	// known to be none, the policy reads no input.
	for in, whole := range map[string]bool{
		`{"name":"a","url":"u","sha256":"s"}`:               true,
		`{"name":"a","url":"u","sha256":"s","fields":null}`: true,
		`{"name":"a","url":"u","sha256":"s","fields":{}}`:   false,
	} {
		if a, err := DecodeLoadArgs([]byte(in)); err != nil || a.Fields.Whole != whole || a.Fields.Paths != nil {
			t.Errorf("%s: fields %+v, %v; want whole %v", in, a.Fields, err, whole)
		}
	}
}

func FuzzDecodeLoadArgs(f *testing.F) {
	f.Add([]byte(`{"name":"a","url":"u","sha256":"s"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if a, err := DecodeLoadArgs(b); err == nil && (a.Name == "" || a.URL == "" || a.SHA256 == "") {
			t.Fatalf("accepted %+v", a)
		}
	})
}
