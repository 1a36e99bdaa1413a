package eval

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"

	"github.com/wasmesh/wasmesh/policy/cache"
)

// ForeignFuncName is the name under which the proxy exposes ForeignFunc to
// filters (proxy_call_foreign_function).
const ForeignFuncName = "wasmesh.policy.decide"

type registered struct {
	p     *Policy
	keyer *cache.Keyer
}

// Set registers p under name (and under its sha256) for Decide and
// ForeignFunc, replacing what name held. fields are the input fields the
// policy references (from policy/compile); decisions are cached by them and
// the policy is given only them, so they must be complete: when they are
// not known, pass cache.Fields{Whole: true}.
// Set does not close the policy it replaces: close it after Set; a decision
// that picked the old policy and finds it closed is retried on the new one,
// so swapping policies under load drops no request.
func (e *Engine) Set(name string, p *Policy, fields cache.Fields) {
	e.regMu.Lock()
	defer e.regMu.Unlock()
	names := maps.Clone(e.names)
	if names == nil {
		names = map[string]*registered{}
	}
	names[name] = &registered{p: p, keyer: cache.NewKeyer(fields)}
	e.publish(names)
}

// Remove unregisters name.
func (e *Engine) Remove(name string) {
	e.regMu.Lock()
	defer e.regMu.Unlock()
	names := maps.Clone(e.names)
	delete(names, name)
	e.publish(names)
}

// publish swaps in a registry built from names; called with regMu held.
func (e *Engine) publish(names map[string]*registered) {
	e.names = names
	next := make(map[string]*registered, 2*len(names))
	for n, r := range names {
		next[n] = r
		next[r.p.sha] = r
	}
	e.registry.Store(&next)
}

// scratch is a decision's key and referenced-input buffers.
type scratch struct{ key, input []byte }

var scratches = sync.Pool{New: func() any {
	return &scratch{key: make([]byte, 0, 256), input: make([]byte, 0, 512)}
}}

// Decide evaluates the registered policy (by name or sha256) through the
// decision cache and returns the Decision as JSON. The returned bytes may be
// shared with the cache: do not modify them.
func (e *Engine) Decide(ctx context.Context, policy, entrypoint string, input []byte) ([]byte, error) {
	return e.decide(ctx, []byte(policy), []byte(entrypoint), input)
}

// decide looks the policy up and decides; when the policy was closed after
// the lookup (replaced by Set), it looks up again and retries.
func (e *Engine) decide(ctx context.Context, policy, entrypoint, input []byte) ([]byte, error) {
	for {
		r, ok := (*e.registry.Load())[string(policy)]
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownPolicy, policy)
		}
		out, err := e.decideWith(ctx, r, entrypoint, input)
		if errors.Is(err, ErrClosed) {
			if now, ok := (*e.registry.Load())[string(policy)]; ok && now != r {
				continue
			}
		}
		return out, err
	}
}

func (e *Engine) decideWith(ctx context.Context, r *registered, entrypoint, input []byte) ([]byte, error) {
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	// Key: the policy's load generation (the same module loaded with other
	// data is another policy), the length-prefixed entrypoint, then the
	// referenced input values. The policy evaluates the referenced part of
	// the input only: it decides the same, and parses less.
	key := binary.LittleEndian.AppendUint64(sc.key[:0], r.p.gen)
	key = binary.AppendUvarint(key, uint64(len(entrypoint)))
	key = append(key, entrypoint...)
	key, in, cacheable, err := r.keyer.AppendKeyInput(key, sc.input[:0], input)
	sc.key, sc.input = key, in
	if err != nil {
		return nil, fmt.Errorf("eval: input: %w", err)
	}
	if cacheable {
		if d, ok := e.decisions.Get(key); ok {
			return d, nil
		}
	}
	out, err := r.p.decision(ctx, entrypoint, in)
	if err != nil {
		return nil, err
	}
	if cacheable {
		e.decisions.Put(key, out)
	}
	return out, nil
}

var foreignArgs = cache.NewSelector([][]string{{"policy"}, {"entrypoint"}, {"input"}})

// ForeignFunc returns the host foreign function the authz filter calls. Its
// argument is JSON {"policy": "<name or sha256>", "entrypoint": "pkg/rule",
// "input": {...}} and its result the Decision as JSON, served through the
// decision cache.
func (e *Engine) ForeignFunc() func(ctx context.Context, args []byte) ([]byte, error) {
	return func(ctx context.Context, args []byte) ([]byte, error) {
		if policy, entrypoint, input, ok := splitArgs(args); ok {
			out, err := e.decide(ctx, policy, entrypoint, input)
			if !errors.Is(err, cache.ErrSyntax) && !errors.Is(err, ErrUnknownPolicy) && !errors.Is(err, ErrUnknownEntrypoint) {
				return out, err
			}
			// The input was not one JSON value: args may still be valid
			// JSON spelt otherwise (a key repeated after the input).
		}
		var buf [3][]byte
		vals, err := foreignArgs.Select(args, buf[:0])
		if err != nil {
			return nil, fmt.Errorf("eval: foreign function arguments: %w", err)
		}
		policy, err := jsonString(vals[0], "policy")
		if err != nil {
			return nil, err
		}
		entrypoint, err := jsonString(vals[1], "entrypoint")
		if err != nil {
			return nil, err
		}
		return e.decide(ctx, policy, entrypoint, vals[2])
	}
}

// splitArgs reads the argument spelt as the authz filter writes it,
// {"policy":"P","entrypoint":"E","input":I} with nothing to unescape in P
// and E and no space outside I, without scanning I: the decision's scan of
// the input validates it, and when I is one JSON value the argument is the
// JSON object its spelling says. Other spellings go the general way.
func splitArgs(args []byte) (policy, entrypoint, input []byte, ok bool) {
	rest, ok := bytes.CutPrefix(args, []byte(`{"policy":"`))
	if !ok {
		return nil, nil, nil, false
	}
	if policy, rest, ok = cutPlainString(rest); !ok {
		return nil, nil, nil, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(`,"entrypoint":"`)); !ok {
		return nil, nil, nil, false
	}
	if entrypoint, rest, ok = cutPlainString(rest); !ok {
		return nil, nil, nil, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(`,"input":`)); !ok {
		return nil, nil, nil, false
	}
	rest = bytes.TrimRight(rest, " \t\r\n")
	if len(rest) == 0 || rest[len(rest)-1] != '}' {
		return nil, nil, nil, false
	}
	return policy, entrypoint, rest[:len(rest)-1], true
}

// cutPlainString cuts b at the quote closing a string that needs no
// unescaping (no backslash, no control character).
func cutPlainString(b []byte) (s, rest []byte, ok bool) {
	for i, c := range b {
		switch {
		case c == '"':
			return b[:i], b[i+1:], true
		case c == '\\' || c < 0x20:
			return nil, nil, false
		}
	}
	return nil, nil, false
}

// jsonString returns the contents of a raw JSON string: a view of raw when
// it has no escapes, else a decoded copy.
func jsonString(raw []byte, field string) ([]byte, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, fmt.Errorf("eval: foreign function arguments: %s must be a string", field)
	}
	if !bytes.ContainsRune(raw, '\\') {
		return raw[1 : len(raw)-1], nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("eval: foreign function arguments: %s: %w", field, err)
	}
	return []byte(s), nil
}
