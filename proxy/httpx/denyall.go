package httpx

import "github.com/wasmesh/wasmesh/proxy/config"

// FlagRBACDenied is Envoy's response flag for a request refused by RBAC.
const FlagRBACDenied = "RBAC"

// DenyAll is envoy.filters.http.rbac with no policy allowing anything: it
// answers every request 403, as Envoy's RBAC filter does.
type DenyAll struct{}

var _ Filter = DenyAll{}

// Name implements Filter.
func (DenyAll) Name() string { return string(config.FilterDenyAll) }

// OnRequest implements Filter.
func (DenyAll) OnRequest(*Stream) *LocalReply {
	return &LocalReply{Status: 403, Body: "RBAC: access denied", Flag: FlagRBACDenied, GRPCStatus: 7, Details: "rbac_access_denied_matched_policy[none]"}
}
