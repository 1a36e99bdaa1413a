package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
)

// Policy is a loaded OPA Wasm policy with a pool of instances. Eval is safe
// for concurrent use; each instance runs one evaluation at a time.
type Policy struct {
	e      *Engine
	sha    string
	sum    [32]byte
	gen    uint64 // unique per Load: keys the policy's cached decisions
	mod    wazero.CompiledModule
	env    wazero.CompiledModule
	data   []byte
	logger *slog.Logger

	entrypoints map[string]int32
	builtinIDs  map[string]int32
	builtinFns  []builtinFunc // by builtin id
	memo        decisionMemo  // encoded decisions by result set

	// pool holds one token per instance slot: an idle instance, or nil for
	// a slot whose instance is yet to be created (or was discarded).
	pool   chan *instance
	closed atomic.Bool
	// life is held shared while an instance is created and exclusively by
	// Close, so the compiled module outlives every instantiation.
	life sync.RWMutex
}

// prepare creates the first instance, reads the entrypoints and builtins and
// checks that every builtin is supported.
func (p *Policy) prepare(ctx context.Context) error {
	mems := p.mod.ImportedMemories()
	minPages, limit := mems[0].Min(), p.e.cfg.MemoryLimitPages
	if minPages > limit {
		return fmt.Errorf("%w: needs %d memory pages, limit is %d", ErrInvalidModule, minPages, limit)
	}
	env, err := p.e.rt.CompileModule(ctx, envModule(minPages, limit))
	if err != nil {
		return fmt.Errorf("eval: env module: %w", err)
	}
	p.env = env
	in, err := p.newInstance(ctx)
	if err != nil {
		return err
	}
	if err := p.readTables(ctx, in); err != nil {
		in.close(ctx)
		return err
	}
	p.pool <- in
	for range cap(p.pool) - 1 {
		p.pool <- nil
	}
	return nil
}

func (p *Policy) readTables(ctx context.Context, in *instance) error {
	read := func(name string) (map[string]int32, error) {
		addr, err := in.call(ctx, name)
		if err != nil {
			return nil, err
		}
		b, err := in.dumpJSON(ctx, addr)
		if err != nil {
			return nil, err
		}
		var m map[string]int32
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrInvalidModule, name, err)
		}
		return m, nil
	}
	var err error
	if p.entrypoints, err = read("entrypoints"); err != nil {
		return err
	}
	if p.builtinIDs, err = read("builtins"); err != nil {
		return err
	}
	var missing []string
	for name, id := range p.builtinIDs {
		fn, ok := builtins[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		if id < 0 || id > 1<<16 {
			return fmt.Errorf("%w: builtin id %d", ErrInvalidModule, id)
		}
		for int(id) >= len(p.builtinFns) {
			p.builtinFns = append(p.builtinFns, nil)
		}
		p.builtinFns[id] = fn
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return &UnsupportedBuiltinError{Names: missing}
	}
	return nil
}

// SHA256 is the hex digest of the module bytes.
func (p *Policy) SHA256() string { return p.sha }

// Entrypoints lists the entrypoint names ("pkg/rule"), sorted.
func (p *Policy) Entrypoints() []string { return sortedKeys(p.entrypoints) }

// Builtins lists the builtins the module imports from the host, sorted.
func (p *Policy) Builtins() []string { return sortedKeys(p.builtinIDs) }

func sortedKeys(m map[string]int32) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Eval evaluates entrypoint ("pkg/rule", or "data.pkg.rule") against the
// JSON input (nil means no input) and returns OPA's result set as JSON:
// [{"result": ...}], or [] when the entrypoint is undefined.
func (p *Policy) Eval(ctx context.Context, entrypoint string, input []byte) ([]byte, error) {
	var out []byte
	err := p.run(ctx, []byte(entrypoint), input, func(res []byte) error {
		out = bytes.Clone(res)
		return nil
	})
	return out, err
}

// decision evaluates entrypoint against input and returns the Decision as
// JSON, shared with the policy's memo: do not modify it.
func (p *Policy) decision(ctx context.Context, entrypoint, input []byte) ([]byte, error) {
	var out []byte
	err := p.run(ctx, entrypoint, input, func(res []byte) error {
		if d, ok := p.memo.get(res); ok {
			out = d
			return nil
		}
		d, err := DecodeDecision(res)
		if err != nil {
			return err
		}
		if out, err = json.Marshal(d); err != nil {
			return fmt.Errorf("eval: encode decision: %w", err)
		}
		p.memo.put(res, out)
		return nil
	})
	return out, err
}

// run evaluates entrypoint against input on a pooled instance and hands the
// result set, a view into the instance's memory, to use before the instance
// goes back to the pool. An evaluation that fails discards the instance; an
// error from use does not.
func (p *Policy) run(ctx context.Context, entrypoint, input []byte, use func(result []byte) error) error {
	id, ok := p.entrypoints[string(entrypoint)]
	if !ok {
		if id, ok = p.entrypoints[normalizeEntrypoint(string(entrypoint))]; !ok {
			return fmt.Errorf("%w: %q", ErrUnknownEntrypoint, entrypoint)
		}
	}
	in, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	res, err := in.evalView(ctx, id, input)
	if err != nil {
		p.logger.Warn("policy evaluation failed; replacing instance", "entrypoint", string(entrypoint), "err", err)
		in.close(context.WithoutCancel(ctx))
		p.pool <- nil
		return err
	}
	err = use(res)
	p.release(ctx, in)
	return err
}

// normalizeEntrypoint turns "data.pkg.rule" into "pkg/rule".
func normalizeEntrypoint(s string) string {
	return strings.ReplaceAll(strings.TrimPrefix(s, "data."), ".", "/")
}

func (p *Policy) acquire(ctx context.Context) (*instance, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	var in *instance
	select {
	case in = <-p.pool: // a free slot: no need to watch ctx
	default:
		select {
		case in = <-p.pool:
		case <-ctx.Done():
			return nil, fmt.Errorf("eval: waiting for an instance: %w", ctx.Err())
		}
	}
	if in != nil {
		return in, nil
	}
	p.life.RLock()
	defer p.life.RUnlock()
	if p.closed.Load() {
		p.pool <- nil
		return nil, ErrClosed
	}
	in, err := p.newInstance(ctx)
	if err != nil {
		p.pool <- nil
		return nil, err
	}
	return in, nil
}

func (p *Policy) release(ctx context.Context, in *instance) {
	if p.closed.Load() {
		in.close(context.WithoutCancel(ctx))
		p.pool <- nil
		return
	}
	p.pool <- in
}

// Close releases the policy's idle instances; evaluations in flight finish
// and release theirs, and callers waiting for an instance get ErrClosed.
// The compiled module is freed with its last policy.
func (p *Policy) Close(ctx context.Context) error {
	p.life.Lock()
	defer p.life.Unlock()
	if p.closed.Swap(true) {
		return nil
	}
	drained := 0
	for range cap(p.pool) {
		select {
		case in := <-p.pool:
			if in != nil {
				in.close(ctx)
			}
			drained++
		default:
		}
	}
	for range drained { // empty slots wake waiters, who see the policy closed
		p.pool <- nil
	}
	p.e.release(ctx, p.sum)
	return p.env.Close(ctx)
}
