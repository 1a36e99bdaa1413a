package eval_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/wasmesh/wasmesh/policy/cache"
	"github.com/wasmesh/wasmesh/policy/eval"
)

// echoPath answers with a reason holding the request path, so every request
// has its own result: more distinct answers than the decision memo keeps.
const echoPath = `package mesh

decision := {"allow": false, "status": 401, "reason": sprintf("no %s", [input.request.path])} if input.request.path != "/ok"

decision := {"allow": true} if input.request.path == "/ok"
`

// TestDecisionMemo decides, uncached, more distinct answers than the memo
// holds, with the usual answer in between: every decision must be the one
// its own result says.
func TestDecisionMemo(t *testing.T) {
	ctx := context.Background()
	e, p, c := load(t, eval.Config{}, echoPath, "", "mesh/decision")
	e.Set("echo", p, cache.Fields{NoCache: true, Paths: c.Fields.Paths})
	call := e.ForeignFunc()
	for i := range 200 {
		path := fmt.Sprintf("/p%d", i%100)
		want := fmt.Sprintf(`{"allow":false,"status":401,"reason":"no %s"}`, path)
		if i%3 == 0 {
			path, want = "/ok", `{"allow":true}`
		}
		got, err := call(ctx, fmt.Appendf(nil, `{"policy":"echo","entrypoint":"mesh/decision","input":{"request":{"path":%q}}}`, path))
		if err != nil || string(got) != want {
			t.Fatalf("request %d (%s): %s, %v; want %s", i, path, got, err, want)
		}
	}
	if st := e.CacheStats(); st.Hits != 0 {
		t.Fatalf("cache stats %+v: an uncacheable policy hit the cache", st)
	}
}
