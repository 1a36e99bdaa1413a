package eval_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/policy/cache"
	"github.com/wasmesh/wasmesh/policy/compile"
	"github.com/wasmesh/wasmesh/policy/eval"
)

const frontendOnly = `package mesh

default decision := {"allow": false, "status": 403, "reason": "only the frontend may GET /api/*"}

decision := {"allow": true} if {
	input.source.principal == "spiffe://cluster.local/ns/default/sa/frontend"
	input.request.method == "GET"
	startswith(input.request.path, "/api/")
}

stamped := {"allow": true, "headers": {"x-now": sprintf("%d", [time.now_ns()])}}
`

func args(principal, path, id string) []byte {
	return fmt.Appendf(nil, `{"policy":"frontend","entrypoint":"mesh/decision","input":{"source":{"principal":%q},"request":{"method":"GET","path":%q,"headers":{"x-request-id":%q}}}}`, principal, path, id)
}

func TestForeignFuncCaches(t *testing.T) {
	ctx := context.Background()
	e, p, c := load(t, eval.Config{}, frontendOnly, "", "mesh/decision", "mesh/stamped")
	want := cache.Fields{Paths: [][]string{{"request", "method"}, {"request", "path"}, {"source", "principal"}}, NoCache: true}
	if fmt.Sprint(c.Fields) != fmt.Sprint(want) {
		t.Fatalf("fields = %+v, want %+v", c.Fields, want)
	}
	e.Set("frontend", p, cache.Fields{Paths: c.Fields.Paths}) // cacheable: mesh/decision does not read the clock
	call := e.ForeignFunc()
	const front = "spiffe://cluster.local/ns/default/sa/frontend"

	steps := []struct {
		args         []byte
		want         string
		hits, misses uint64
	}{
		{args(front, "/api/a", "1"), `{"allow":true}`, 0, 1},
		{args(front, "/api/a", "2"), `{"allow":true}`, 1, 1}, // x-request-id is not referenced
		{args(front, "/api/b", "3"), `{"allow":true}`, 1, 2},
		{args("spiffe://x/ns/a/sa/b", "/api/a", "4"), `{"allow":false,"status":403,"reason":"only the frontend may GET /api/*"}`, 1, 3},
		{args("spiffe://x/ns/a/sa/b", "/api/a", "5"), `{"allow":false,"status":403,"reason":"only the frontend may GET /api/*"}`, 2, 3},
	}
	for i, s := range steps {
		got, err := call(ctx, s.args)
		if err != nil || string(got) != s.want {
			t.Fatalf("step %d: %s, %v; want %s", i, got, err, s.want)
		}
		if st := e.CacheStats(); st.Hits != s.hits || st.Misses != s.misses {
			t.Fatalf("step %d: stats %+v, want %d hits %d misses", i, st, s.hits, s.misses)
		}
	}

	// By digest, too.
	bySHA := fmt.Appendf(nil, `{"policy":%q,"entrypoint":"mesh/decision","input":{}}`, p.SHA256())
	if got, err := call(ctx, bySHA); err != nil || string(got) != `{"allow":false,"status":403,"reason":"only the frontend may GET /api/*"}` {
		t.Fatalf("by sha256: %s, %v", got, err)
	}

	// Replacing the policy under the same name takes effect at once.
	_, allowAll, c2 := load(t, eval.Config{}, "package mesh\n\ndecision := {\"allow\": true}\n", "", "mesh/decision")
	e.Set("frontend", allowAll, c2.Fields)
	if got, err := call(ctx, args("spiffe://x/ns/a/sa/b", "/api/a", "6")); err != nil || string(got) != `{"allow":true}` {
		t.Fatalf("after replace: %s, %v", got, err)
	}
}

func TestForeignFuncNoCacheAndErrors(t *testing.T) {
	ctx := context.Background()
	e, p, c := load(t, eval.Config{}, frontendOnly, "", "mesh/decision", "mesh/stamped")
	e.Set("stamped", p, c.Fields)
	call := e.ForeignFunc()
	in := []byte(`{"policy":"stamped","entrypoint":"mesh/stamped","input":{}}`)
	for range 3 {
		if _, err := call(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if st := e.CacheStats(); st.Hits != 0 || st.Entries != 0 {
		t.Fatalf("nondeterministic policy was cached: %+v", st)
	}
	for _, tc := range []struct {
		args string
		want error
	}{
		{`{"policy":"nope","entrypoint":"mesh/decision","input":{}}`, eval.ErrUnknownPolicy},
		{`{"policy":"stamped","entrypoint":"mesh/none","input":{}}`, eval.ErrUnknownEntrypoint},
		{`{"policy":"stamped","entrypoint":"mesh/decision","input":{}`, cache.ErrSyntax},
	} {
		if _, err := call(ctx, []byte(tc.args)); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.args, err, tc.want)
		}
	}
	if _, err := call(ctx, []byte(`{"policy":1}`)); err == nil {
		t.Error("numeric policy name accepted")
	}
	e.Remove("stamped")
	if _, err := call(ctx, in); !errors.Is(err, eval.ErrUnknownPolicy) {
		t.Errorf("after Remove: err = %v", err)
	}
}

// FuzzForeignFunc feeds arbitrary argument bytes to the foreign function:
// it must never panic, and what it returns must be a Decision.
func FuzzForeignFunc(f *testing.F) {
	e, p, c := load(f, eval.Config{Instances: 1}, frontendOnly, "", "mesh/decision")
	e.Set("frontend", p, c.Fields)
	call := e.ForeignFunc()
	f.Add(args("spiffe://cluster.local/ns/default/sa/frontend", "/api/a", "1"))
	f.Add([]byte(`{"policy":"frontend","entrypoint":"mesh/decision","input":{"request":{"path":["x"]}}}`))
	f.Add([]byte(`{"policy":"fr\u006fntend","entrypoint":"mesh\/decision"}`))
	f.Add([]byte(`{"policy":"frontend","entrypoint":"mesh/decision","input":"str"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := call(context.Background(), in)
		if err != nil {
			return
		}
		var d eval.Decision
		if err := json.Unmarshal(out, &d); err != nil {
			t.Fatalf("result %q is not a Decision: %v", out, err)
		}
	})
}

// TestSwapUnderLoad replaces and closes the policy behind a name while
// decisions are running: no call may fail, and the decision flips.
func TestSwapUnderLoad(t *testing.T) {
	ctx := context.Background()
	e, allow, ca := load(t, eval.Config{Instances: 2}, "package mesh\n\ndecision := {\"allow\": true}\n", "", "mesh/decision")
	_, _, cd := load(t, eval.Config{}, "package mesh\n\ndecision := {\"allow\": false, \"reason\": \"swapped\"}\n", "", "mesh/decision")
	// Pin both modules so that swaps do not recompile them.
	for _, c := range []*compile.Policy{ca, cd} {
		pin, err := e.Load(ctx, c.Wasm, c.Data)
		if err != nil {
			t.Fatal(err)
		}
		defer pin.Close(ctx)
	}
	noCache := cache.Fields{NoCache: true} // every call evaluates
	e.Set("p", allow, noCache)
	call := e.ForeignFunc()
	in := []byte(`{"policy":"p","entrypoint":"mesh/decision","input":{}}`)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]int{}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				out, err := call(ctx, in)
				if err != nil {
					t.Errorf("call during swap: %v", err)
					return
				}
				mu.Lock()
				seen[string(out)]++
				mu.Unlock()
			}
		}()
	}
	old := allow
	for i := range 10 {
		c := ca
		if i%2 == 0 {
			c = cd
		}
		next, err := e.Load(ctx, c.Wasm, c.Data)
		if err != nil {
			t.Fatal(err)
		}
		e.Set("p", next, noCache)
		if err := old.Close(ctx); err != nil {
			t.Fatal(err)
		}
		old = next
		time.Sleep(2 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if seen[`{"allow":true}`] == 0 || seen[`{"allow":false,"status":403,"reason":"swapped"}`] == 0 {
		t.Fatalf("decisions seen: %v", seen)
	}
}

// TestDataChangeInvalidates: the same module loaded with new data and set
// under the same name must not be answered from the old data's decisions.
func TestDataChangeInvalidates(t *testing.T) {
	ctx := context.Background()
	src := "package mesh\n\ndecision := {\"allow\": input.user in data.users}\n"
	e, p1, c := load(t, eval.Config{}, src, `{"users":["alice"]}`, "mesh/decision")
	e.Set("users", p1, c.Fields)
	call := e.ForeignFunc()
	in := []byte(`{"policy":"users","entrypoint":"mesh/decision","input":{"user":"bob"}}`)
	if out, err := call(ctx, in); err != nil || string(out) != `{"allow":false,"status":403}` {
		t.Fatalf("before: %s, %v", out, err)
	}
	p2, err := e.Load(ctx, c.Wasm, []byte(`{"users":["alice","bob"]}`))
	if err != nil {
		t.Fatal(err)
	}
	e.Set("users", p2, c.Fields)
	if out, err := call(ctx, in); err != nil || string(out) != `{"allow":true}` {
		t.Fatalf("after the data changed: %s, %v", out, err)
	}
}

// TestForeignFuncArgSpellings: the argument is read as JSON whatever its
// spelling, including a key repeated after the input (the last one wins).
func TestForeignFuncArgSpellings(t *testing.T) {
	ctx := context.Background()
	e, p, c := load(t, eval.Config{Interpret: true}, frontendOnly, "", "mesh/decision")
	e.Set("frontend", p, cache.Fields{Paths: c.Fields.Paths})
	call := e.ForeignFunc()
	const allow = `{"allow":true}`
	in := `{"source":{"principal":"spiffe://cluster.local/ns/default/sa/frontend"},"request":{"method":"GET","path":"/api/a"}}`
	for _, args := range []string{
		`{"policy":"frontend","entrypoint":"mesh/decision","input":` + in + `}`,
		` { "input" : ` + in + ` , "entrypoint" : "mesh\/decision", "policy": "front\u0065nd" } `,
		`{"policy":"nope","entrypoint":"mesh/decision","input":` + in + `,"policy":"frontend"}`,
		`{"policy":"frontend","entrypoint":"nope","input":` + in + `,"entrypoint":"mesh/decision"}`,
		`{"policy":"frontend","entrypoint":"mesh/decision","input":{},"input":` + in + `}`,
	} {
		got, err := call(ctx, []byte(args))
		if err != nil || string(got) != allow {
			t.Errorf("%s: %s, %v; want %s", args, got, err, allow)
		}
	}
	for _, args := range []string{
		`{"policy":"frontend","entrypoint":"mesh/decision","input":` + in,
		`{"policy":"frontend","entrypoint":"mesh/decision","input":` + in + `,}`,
		`{"policy":"frontend","entrypoint":"mesh/decision"}`,
	} {
		if got, err := call(ctx, []byte(args)); err == nil {
			t.Errorf("%s: %s, want an error", args, got)
		}
	}
}
