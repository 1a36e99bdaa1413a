package policyfn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/wasmesh/wasmesh/policy/cache"
	"github.com/wasmesh/wasmesh/policy/eval"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// LoadFuncName is the foreign function that loads a policy.
const LoadFuncName = "wasmesh.policy.load"

// Fetcher gets module bytes by URL and sha256 (wasm/fetch.Fetcher).
type Fetcher interface {
	Get(ctx context.Context, uri, sha256hex string) ([]byte, error)
}

// LoadArgs are the arguments of wasmesh.policy.load.
type LoadArgs struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	// Fields are the input fields the policy references, as policy/compile
	// reports them: decisions are cached by them and the policy evaluates
	// only them. Absent or null, they are unknown, and DecodeLoadArgs makes
	// them the whole input.
	Fields cache.Fields    `json:"fields"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// ErrBadArgs is returned for load arguments that do not decode or lack a field.
var ErrBadArgs = errors.New("policyfn: bad load arguments")

// DecodeLoadArgs parses and checks load arguments (they come from a filter).
func DecodeLoadArgs(b []byte) (LoadArgs, error) {
	var args struct {
		LoadArgs
		Fields *cache.Fields `json:"fields"` // nil when absent or null
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(&args)
	a := args.LoadArgs
	if err != nil {
		return a, fmt.Errorf("%w: %v", ErrBadArgs, err)
	}
	a.Fields = cache.Fields{Whole: true}
	if args.Fields != nil {
		a.Fields = *args.Fields
	}
	var missing []string
	for name, v := range map[string]string{"name": a.Name, "url": a.URL, "sha256": a.SHA256} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return a, fmt.Errorf("%w: %s required", ErrBadArgs, strings.Join(missing, ", "))
	}
	if len(a.Data) > 0 && !json.Valid(a.Data) {
		return a, fmt.Errorf("%w: data is not JSON", ErrBadArgs)
	}
	return a, nil
}

// Functions holds the engine and what is loaded into it.
type Functions struct {
	log    *slog.Logger
	engine *eval.Engine
	fetch  Fetcher

	mu     sync.Mutex
	loaded map[string]*eval.Policy // by name
}

// New returns the functions over engine, fetching modules with fetch.
func New(log *slog.Logger, engine *eval.Engine, fetch Fetcher) *Functions {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Functions{log: log, engine: engine, fetch: fetch, loaded: map[string]*eval.Policy{}}
}

// Register adds wasmesh.policy.load and wasmesh.policy.decide to r.
func (f *Functions) Register(r *host.ForeignRegistry) {
	r.Register(LoadFuncName, f.load)
	r.Register(eval.ForeignFuncName, f.engine.ForeignFunc())
}

// Loaded returns the sha256 of each loaded policy by name.
func (f *Functions) Loaded() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]string, len(f.loaded))
	for n, p := range f.loaded {
		out[n] = p.SHA256()
	}
	return out
}

func (f *Functions) load(ctx context.Context, raw []byte) ([]byte, error) {
	a, err := DecodeLoadArgs(raw)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if old, ok := f.loaded[a.Name]; ok && strings.EqualFold(old.SHA256(), a.SHA256) {
		return []byte(`{"loaded":false}`), nil
	}
	wasm, err := f.fetch.Get(ctx, a.URL, a.SHA256)
	if err != nil {
		return nil, fmt.Errorf("policyfn: policy %q: %w", a.Name, err)
	}
	p, err := f.engine.Load(ctx, wasm, a.Data)
	if err != nil {
		return nil, fmt.Errorf("policyfn: policy %q: %w", a.Name, err)
	}
	f.engine.Set(a.Name, p, a.Fields)
	if old, ok := f.loaded[a.Name]; ok {
		// Set swapped the name over; decisions still on the old policy are
		// retried on the new one when it closes.
		if err := old.Close(ctx); err != nil {
			f.log.Warn("closing replaced policy", "policy", a.Name, "err", err)
		}
	}
	f.loaded[a.Name] = p
	f.log.Info("policy loaded", "policy", a.Name, "sha256", a.SHA256, "entrypoints", p.Entrypoints())
	return []byte(`{"loaded":true}`), nil
}
