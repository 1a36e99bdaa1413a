package ui

import (
	"slices"
	"time"

	"github.com/wasmesh/wasmesh/control/report"
)

// Decision is one policy decision as the report sink saw it.
type Decision struct {
	Time        time.Time `json:"time"`
	Decision    string    `json:"decision"` // deny or allow
	Code        int       `json:"code"`
	Principal   string    `json:"principal,omitempty"`
	Source      string    `json:"source"`
	Destination string    `json:"destination"`
	Service     string    `json:"service,omitempty"`
	Method      string    `json:"method,omitempty"`
	Path        string    `json:"path,omitempty"`
	// Reason is why: the policy's reason for a denial, else the response
	// flags the proxy reported for the request.
	Reason    string `json:"reason,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// Decisions turns report records (newest first) into decisions: denials
// (401, 403) first, then allowed requests, each group newest first, at most
// limit in all. Requests the server side reported are preferred: only it
// enforces inbound policy, so a client-side record is skipped when the
// server side reported the same request id.
func Decisions(recs []report.Record, limit int) []Decision {
	serverSide := map[string]bool{}
	for _, r := range recs {
		if r.Reporter == "destination" && r.RequestID != "" {
			serverSide[r.RequestID] = true
		}
	}
	var denied, allowed []Decision
	for _, r := range recs {
		if r.Reporter == "source" && serverSide[r.RequestID] {
			continue
		}
		d := Decision{Time: r.Time, Code: r.Code, Principal: r.Principal, Source: r.Source,
			Destination: r.Destination, Service: r.Service, Method: r.Method, Path: r.Path,
			Reason: r.Reason, RequestID: r.RequestID}
		if d.Reason == "" {
			d.Reason = r.Flags
		}
		if r.Code == 401 || r.Code == 403 {
			d.Decision = "deny"
			denied = append(denied, d)
		} else {
			d.Decision = "allow"
			allowed = append(allowed, d)
		}
	}
	out := append(denied, allowed...)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return slices.Clip(out)
}
