// Package authz translates Istio AuthorizationPolicies into Rego, so that the
// proxy has one enforcement engine: the authz filter evaluating policies
// compiled to Wasm. Select picks the policies that apply to a workload (the
// root namespace's, its namespace's without a selector, and those whose
// selector matches its labels); Rego turns them into one module whose
// wasmesh/authz/allow rule answers as the authz filter expects.
//
// Semantics follow Istio's documentation: CUSTOM policies first, then DENY,
// then ALLOW; a request matching any DENY rule is denied; with no ALLOW
// policy it is allowed, otherwise it must match an ALLOW rule. AUDIT policies
// do not change decisions. A rule matches when every one of its from, to and
// when parts matches (each from and to list matches when any entry does); an
// ALLOW policy without rules matches nothing, a rule `{}` matches everything.
// Strings match exactly, by prefix ("abc*"), by suffix ("*abc") or by
// presence ("*"). CUSTOM needs an external provider that wasmesh does not
// run: requests matching a CUSTOM policy are denied with a reason saying so,
// failing closed rather than silently allowing.
//
// The Rego reads only the input fields it needs, so the proxy's decision
// cache keys on exactly those.
package authz
