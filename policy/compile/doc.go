// Package compile turns Rego v1 policies (inline sources or files, plus a
// data document) into OPA Wasm modules for the proxy's evaluator
// (policy/eval), with OPA's Go library.
//
// Compile returns the module bytes, their sha256, the entrypoints, the
// builtins the module imports from the host and the input fields the policy
// references (cache.Fields, the key of the proxy's decision cache, after
// Mixer's "referenced attributes"). Rego errors come back as Errors, each
// with file, line, column and message. A policy needing a builtin the
// evaluator does not implement is rejected, naming the builtin and where it
// is called (errors.Is(err, eval.ErrUnsupportedBuiltin)).
//
// This package links the OPA compiler: only the control plane (meshd,
// meshctl) may import it, never the proxy.
package compile
