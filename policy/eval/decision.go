package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Decision is an authorization decision decoded from a policy result.
type Decision struct {
	Allow bool `json:"allow"`
	// Status is the HTTP status to deny with; 403 when a denying policy
	// does not say, 0 (the proxy's choice) when allowing.
	Status  int               `json:"status,omitempty"`
	Body    string            `json:"body,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Reason  string            `json:"reason,omitempty"`
}

// UndefinedReason is the Reason of the deny returned for an undefined result.
const UndefinedReason = "policy decision is undefined"

// DecodeDecision decodes OPA's result set ([{"result": X}]) into a Decision.
// X is either a boolean or an object {allow, status, body, headers, reason}
// (all optional; other keys are ignored). An empty result set (undefined
// decision) denies with UndefinedReason.
func DecodeDecision(result []byte) (Decision, error) {
	var set []struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(result, &set); err != nil {
		return Decision{}, fmt.Errorf("%w: result set: %w", ErrBadDecision, err)
	}
	switch {
	case len(set) == 0 || set[0].Result == nil:
		return Decision{Status: 403, Reason: UndefinedReason}, nil
	case len(set) > 1:
		return Decision{}, fmt.Errorf("%w: %d results, want one", ErrBadDecision, len(set))
	}
	raw := bytes.TrimSpace(set[0].Result)
	var d Decision
	switch {
	case bytes.Equal(raw, []byte("true")):
		d.Allow = true
	case bytes.Equal(raw, []byte("false")):
	case len(raw) > 0 && raw[0] == '{':
		var obj struct {
			Allow   *bool             `json:"allow"`
			Status  *int              `json:"status"`
			Body    *string           `json:"body"`
			Headers map[string]string `json:"headers"`
			Reason  *string           `json:"reason"`
		}
		if err := json.Unmarshal(raw, &obj); err != nil {
			return Decision{}, fmt.Errorf("%w: %w", ErrBadDecision, err)
		}
		if obj.Allow != nil {
			d.Allow = *obj.Allow
		}
		if obj.Status != nil {
			if *obj.Status < 100 || *obj.Status > 599 {
				return Decision{}, fmt.Errorf("%w: status %d is not an HTTP status", ErrBadDecision, *obj.Status)
			}
			d.Status = *obj.Status
		}
		if obj.Body != nil {
			d.Body = *obj.Body
		}
		if obj.Reason != nil {
			d.Reason = *obj.Reason
		}
		if len(obj.Headers) > 0 {
			d.Headers = obj.Headers
		}
	default:
		return Decision{}, fmt.Errorf("%w: result %.40s is neither a boolean nor an object", ErrBadDecision, raw)
	}
	if !d.Allow && d.Status == 0 {
		d.Status = 403
	}
	return d, nil
}
