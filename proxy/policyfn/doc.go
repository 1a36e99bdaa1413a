// Package policyfn gives proxy-wasm filters the proxy's policy engine
// (policy/eval) through two foreign functions:
//
//   - wasmesh.policy.load {"name", "url", "sha256", "fields", "data"} fetches a
//     compiled policy by digest (wasm/fetch: verified, cached), loads it into
//     the engine and registers it under name. The authz filter calls it when
//     its plugin starts, so a policy travels with the filter's configuration
//     over ECDS: pushing a new version swaps it under load without dropping a
//     request, and a policy that cannot be fetched or loaded fails the plugin
//     start, which NACKs the update and keeps the old one serving. Without
//     "fields" (or with null), the policy is taken to read the whole input.
//   - wasmesh.policy.decide {"policy", "entrypoint", "input"} evaluates through
//     the engine's decision cache (eval.Engine.ForeignFunc).
//
// Loading is idempotent: every VM instance of a plugin calls load with the
// same arguments, and only the first one fetches and compiles.
package policyfn
