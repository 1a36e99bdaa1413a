// Package eval evaluates OPA policies compiled to WebAssembly (OPA's Wasm
// ABI 1.2 and later) on wazero, inside the proxy. It never imports OPA.
//
// An Engine owns one wazero runtime. Engine.Load compiles a module once per
// sha256 and instantiates it with its data document; the resulting Policy
// keeps a pool of instances (Config.Instances, default GOMAXPROCS), each with
// its own linear memory, running one evaluation at a time through the
// opa_eval fast path: the input JSON is written at the heap pointer saved
// after the data was loaded, and every evaluation restarts the heap there.
// A trap, an opa_abort, the memory limit or (with Config.Interruptible) a
// context deadline fails that evaluation with ErrEvalTrap; the instance is
// discarded and a fresh one is created on demand, so the host never panics
// and the pool stays whole.
//
// The builtins the Wasm target cannot compile natively are imported from the
// host (opa_builtin0..4); SupportedBuiltins lists the ones implemented here
// in Go (time, sprintf and string helpers, regex.find_n/split/replace,
// unpadded base64url, hex, urlquery, crypto hashes, io.jwt.decode, net.cidr_is_valid).
// Load rejects a module needing anything else with UnsupportedBuiltinError.
//
// DecodeDecision turns a result set into a Decision: the policy may return
// a boolean or an object {allow, status, body, headers, reason}.
//
// # Foreign function for the authz filter
//
// Policies are registered by name with Engine.Set(name, policy, fields),
// where fields are the referenced input fields from policy/compile.
// Engine.ForeignFunc returns the function the proxy exposes to filters as
// ForeignFuncName. Its argument is JSON
//
//	{"policy": "<name or sha256>", "entrypoint": "authz/allow", "input": {...}}
//
// and its result the Decision as JSON, e.g.
//
//	{"allow":false,"status":403,"reason":"only the frontend may call /api"}
//
// Decisions go through a shared decision cache (policy/cache) keyed by the
// loaded policy (module and data), the entrypoint and the values of the
// referenced input fields; Engine.CacheStats reports hits and misses.
// Decisions of policies calling nondeterministic builtins (time.now_ns, ...)
// are not cached. One scan of the input (cache.Keyer.AppendKeyInput) yields
// the key and the referenced part of the input, an object holding only the
// referenced fields; on a miss the policy evaluates that part, which decides
// the same as the whole input (the premise of the cache key, checked over the
// differential corpus) and is cheaper for OPA's Wasm to parse. Each policy
// memoizes the encoded decision of its few distinct result sets, so the
// usual answers ({"allow":true}, a default deny) are neither decoded nor
// encoded again.
package eval
