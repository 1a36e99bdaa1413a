package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// config is the plugin configuration (WasmPlugin pluginConfig / the
// envoy.filters.http.wasm configuration), JSON.
type config struct {
	// Policy names the compiled policy the host's evaluator holds.
	Policy string `json:"policy"`
	// Entrypoint is the rule queried (default wasmesh/authz/allow, the
	// Policy kind's default).
	Entrypoint string `json:"entrypoint,omitempty"`
	// FailOpen lets requests through when evaluation fails. The default is
	// to fail closed, as a policy check should.
	FailOpen bool `json:"failOpen,omitempty"`
	// ErrorStatus answers a failed evaluation when failing closed (503).
	ErrorStatus int `json:"errorStatus,omitempty"`
	// DenyStatus answers a denial whose policy gave no status (403).
	DenyStatus int `json:"denyStatus,omitempty"`
	// Function is the host foreign function that evaluates policies.
	Function string `json:"function,omitempty"`
	// Headers lists the request headers copied into input.request.headers;
	// empty copies all but the sensitive ones (authorization, cookie).
	Headers []string `json:"headers,omitempty"`
	// Module, when set, is the compiled policy to load into the proxy's
	// engine under Policy before serving: meshd puts it here so the policy
	// travels with the filter's configuration.
	Module *module `json:"module,omitempty"`
}

// module locates a compiled policy and says how to evaluate it.
type module struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	// Fields are the input fields the policy references (the decision
	// cache key), as policy/compile reports them.
	Fields json.RawMessage `json:"fields,omitempty"`
	// Data is the policy's data document.
	Data json.RawMessage `json:"data,omitempty"`
}

// loadFunction is the foreign function that loads a policy (proxy/policyfn).
const loadFunction = "wasmesh.policy.load"

// defaultEntrypoint is the rule a Policy is queried at unless it says.
const defaultEntrypoint = "wasmesh/authz/allow"

// defaultFunction is the name policy/eval registers its evaluator under.
const defaultFunction = "wasmesh.policy.decide"

func parseConfig(b []byte) (config, error) {
	c := config{ErrorStatus: 503, DenyStatus: 403, Function: defaultFunction, Entrypoint: defaultEntrypoint}
	if len(strings.TrimSpace(string(b))) == 0 {
		return c, errors.New("authz: plugin configuration is empty: it must name a policy")
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("authz: plugin configuration: %w", err)
	}
	var errs []error
	if c.Policy == "" {
		errs = append(errs, errors.New("authz: plugin configuration: policy is required"))
	}
	for name, s := range map[string]int{"errorStatus": c.ErrorStatus, "denyStatus": c.DenyStatus} {
		if s < 200 || s > 599 {
			errs = append(errs, fmt.Errorf("authz: plugin configuration: %s %d is not an HTTP status", name, s))
		}
	}
	if m := c.Module; m != nil && (m.URL == "" || len(m.SHA256) != 64) {
		errs = append(errs, fmt.Errorf("authz: plugin configuration: module needs a url and a 64-digit sha256, got %q and %q", m.URL, m.SHA256))
	}
	for i, h := range c.Headers {
		c.Headers[i] = strings.ToLower(h)
	}
	return c, errors.Join(errs...)
}
