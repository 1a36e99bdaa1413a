package api

// DefaultPolicyEntrypoint is the Rego rule queried when a Policy names none.
const DefaultPolicyEntrypoint = "wasmesh/authz/allow"

// Policy (policy.wasmesh.io/v1alpha1) is wasmesh's own kind: a Rego policy
// compiled to Wasm by meshd and evaluated in the selected proxies by the
// authz filter. The entrypoint must evaluate to a boolean (allow) or to an
// object {"allow": bool, "status": int, "headers": {...}, "body": string}.
type Policy struct {
	// Selector chooses the workloads; empty means every workload of the
	// namespace.
	Selector *LabelSelector `json:"selector,omitempty"`
	// Rego source inline. Set Rego or Files (or both).
	Rego string `json:"rego,omitempty"`
	// Files with Rego source, relative to the config directory.
	Files []string `json:"files,omitempty"`
	// Data is made available to the policy as `data` (merged under its
	// package paths).
	Data map[string]any `json:"data,omitempty"`
	// Entrypoint is the rule queried, as "package/path/rule"; default
	// "wasmesh/authz/allow".
	Entrypoint string `json:"entrypoint,omitempty"`
	// FailStrategy when the policy cannot be evaluated: FAIL_CLOSE (deny,
	// default) or FAIL_OPEN (allow).
	FailStrategy FailStrategy `json:"failStrategy,omitempty"`
	// Match limits the traffic the policy applies to (default SERVER).
	Match []TrafficSelector `json:"match,omitempty"`
}
