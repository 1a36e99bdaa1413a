// Package cases reads policy test cases: YAML files that pair a Rego policy
// with its data, an entrypoint and a list of inputs with optional expected
// results. The differential tests of policy/ evaluate every case with the
// proxy's Wasm evaluator and with OPA's own rego package and require them to
// agree; `meshctl policy test` can run the same files.
//
// The format (see policy/testdata/cases for examples):
//
//	name: rbac                 # optional, defaults to the file name
//	policy: |                  # inline Rego v1 ...
//	  package authz
//	  ...
//	policyFile: rbac.rego      # ... or a file, relative to the YAML file
//	data: {roles: {...}}       # optional base data document
//	entrypoint: authz/allow    # "pkg/rule" or "data.pkg.rule"
//	cases:
//	  - name: admin may delete
//	    input: {user: alice, method: DELETE}
//	    want: true             # optional: the entrypoint's value
//	  - name: no input, no decision
//	    undefined: true        # optional: the entrypoint must be undefined
//	  - name: a set result
//	    unordered: true        # optional: compare an array result ignoring order
//	    want: [a, b]           # (Rego sets become JSON arrays in any order)
//
// Unknown fields are errors.
//
// Run compiles a file's policy with policy/compile and evaluates every case
// with the proxy's evaluator, reporting each value, its reading as a
// decision and whether it met the case's want: the engine of
// `meshctl policy test`. Through policy/compile this package links OPA, so
// it belongs to the control plane and the CLI, never to the proxy.
package cases
