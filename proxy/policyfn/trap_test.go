package policyfn

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/internal/syncbuf"
	"github.com/wasmesh/wasmesh/policy/compile"
	"github.com/wasmesh/wasmesh/policy/eval"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/fetch"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// trapPolicy exhausts the evaluator's memory limit on /trap: the array
// numbers.range builds does not fit in 64 pages (4 MiB).
const trapPolicy = `package wasmesh.authz

default allow := {"allow": true}

allow := {"allow": count(numbers.range(1, 50000000)) > 0} if input.request.path == "/trap"
`

// TestAuthzFilterTrappingPolicy runs the compiled authz filter on the real
// host against a policy whose evaluation traps: the filter fails closed
// (503) by default and lets the request through with failOpen; the engine
// survives, the same policy keeps deciding other requests, and a good policy
// loaded afterwards decides normally.
func TestAuthzFilterTrappingPolicy(t *testing.T) {
	ctx := context.Background()
	trap := compilePolicy(t, trapPolicy)
	good := compilePolicy(t, "package wasmesh.authz\n\ndefault allow := {\"allow\": false, \"status\": 418, \"reason\": \"good policy\"}\n")
	mods := &moduleServer{mods: map[string][]byte{trap.SHA256: trap.Wasm, good.SHA256: good.Wasm}}
	srv := httptest.NewServer(mods)
	defer srv.Close()

	engine, err := eval.New(ctx, eval.Config{Instances: 1, MemoryLimitPages: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close(ctx)
	fetcher, err := fetch.New(fetch.Config{CacheDir: t.TempDir(), AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	reg := host.NewForeignRegistry()
	New(nil, engine, fetcher).Register(reg)
	logs := &syncbuf.Buffer{}
	h, err := host.New(ctx, host.Config{Foreign: reg, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	authz := dual.Build(t, "../../filters/authz")

	load := func(name string, p *compile.Policy, extra string) *host.Plugin {
		fields, _ := json.Marshal(p.Fields)
		cfg := fmt.Sprintf(`{"policy":"shop/p"%s,"module":{"url":%q,"sha256":%q,"fields":%s}}`, extra, srv.URL+"/modules/"+p.SHA256, p.SHA256, fields)
		pl, err := h.Load(ctx, host.PluginConfig{Name: name, RootID: "authz", VMID: name, Module: authz, Configuration: []byte(cfg), PoolSize: 1})
		if err != nil {
			t.Fatalf("loading %s: %v", name, err)
		}
		t.Cleanup(func() { pl.Close(ctx) })
		return pl
	}
	decide := func(pl *host.Plugin, path string) host.Result {
		s := pl.NewHTTPStream(peer("spiffe://cluster.local/ns/shop/sa/frontend"), host.StreamCallbacks{})
		defer s.Done()
		hdrs := host.Headers{{Key: ":method", Value: "GET"}, {Key: ":path", Value: path}, {Key: ":authority", Value: "shop"}}
		return s.OnRequestHeaders(&hdrs, true)
	}
	allowed := func(what string, r host.Result) {
		t.Helper()
		if r.Action != abi.ActionContinue || r.Local != nil {
			t.Fatalf("%s: want the request let through, got %+v %+v", what, r, r.Local)
		}
	}

	closed := load("authz-closed", trap, "")
	for i := range 2 { // twice: a trap is never cached, and the proxy survives it
		r := decide(closed, "/trap")
		if r.Local == nil || r.Local.Status != 503 || !strings.Contains(string(r.Local.Body), "policy check failed") {
			t.Fatalf("trap %d, fail closed: want 503, got %+v %+v", i, r, r.Local)
		}
	}
	if !strings.Contains(logs.String(), eval.ErrEvalTrap.Error()) {
		t.Fatalf("the 503 was not caused by a trap; host log:\n%s", logs.String())
	}
	allowed("same policy, path that does not trap", decide(closed, "/ok"))

	open := load("authz-open", trap, `,"failOpen":true`)
	allowed("trap, fail open", decide(open, "/trap"))
	if st := engine.CacheStats(); st.Hits != 0 {
		t.Errorf("cache stats %+v: a trapped evaluation was served from the cache", st)
	}

	// The next policy loaded under the same name decides normally, for every
	// plugin that names it.
	next := load("authz-next", good, "")
	for _, pl := range []*host.Plugin{next, closed, open} {
		if r := decide(pl, "/trap"); r.Local == nil || r.Local.Status != 418 || !strings.Contains(string(r.Local.Body), "good policy") {
			t.Fatalf("after loading the good policy: want 418, got %+v %+v", r, r.Local)
		}
	}
}
