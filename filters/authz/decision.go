package main

import (
	"encoding/json"
	"errors"
	"fmt"
)

// decision is what the evaluator answers for one request.
type decision struct {
	Allow   bool              `json:"allow"`
	Status  int               `json:"status,omitempty"`
	Body    string            `json:"body,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Reason  string            `json:"reason,omitempty"`
}

var errNoDecision = errors.New("authz: evaluator returned no decision")

// parseDecision decodes the evaluator's answer: a decision object, or a bare
// boolean for policies that only say allow or deny.
func parseDecision(b []byte) (decision, error) {
	if len(b) == 0 {
		return decision{}, errNoDecision
	}
	// The engine's usual answers, compared without a conversion or
	// reflection.
	switch t := trimJSONSpace(b); {
	case string(t) == "true" || string(t) == `{"allow":true}`:
		return decision{Allow: true}, nil
	case string(t) == "false" || string(t) == `{"allow":false}`:
		return decision{}, nil
	}
	return parseDecisionJSON(b)
}

// parseDecisionJSON decodes any other answer with encoding/json.
func parseDecisionJSON(b []byte) (decision, error) {
	var d decision
	var allow bool
	if json.Unmarshal(b, &allow) == nil {
		return decision{Allow: allow}, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return d, fmt.Errorf("authz: evaluator answer is neither a boolean nor an object: %w", err)
	}
	if _, ok := raw["allow"]; !ok {
		return d, fmt.Errorf("%w: the answer has no \"allow\" field", errNoDecision)
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("authz: evaluator answer: %w", err)
	}
	if d.Status != 0 && (d.Status < 200 || d.Status > 599) {
		return d, fmt.Errorf("authz: policy status %d is not an HTTP status", d.Status)
	}
	return d, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// trimJSONSpace strips the whitespace JSON allows around a value.
func trimJSONSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
