package api

// AuthorizationPolicy (security.istio.io/v1) allows or denies requests to
// the selected workloads. wasmesh translates it into Rego evaluated by the
// in-proxy authz filter.
type AuthorizationPolicy struct {
	// Selector chooses the workloads; empty means every workload of the
	// namespace (or of the mesh in the root namespace).
	Selector *LabelSelector `json:"selector,omitempty"`
	// TargetRef attaches the policy to a gateway or service instead.
	TargetRef *PolicyTargetReference `json:"targetRef,omitempty"`
	// TargetRefs attaches the policy to several targets.
	TargetRefs []PolicyTargetReference `json:"targetRefs,omitempty"`
	// Rules; a request matching any rule triggers the action. No rules with
	// ALLOW denies everything.
	Rules []Rule `json:"rules,omitempty"`
	// Action: ALLOW (default), DENY, AUDIT or CUSTOM.
	Action AuthorizationAction `json:"action,omitempty"`
	// Provider of a CUSTOM action.
	Provider *ExtensionProvider `json:"provider,omitempty"`
}

// AuthorizationAction is the action of an AuthorizationPolicy.
type AuthorizationAction string

// Authorization actions.
const (
	ActionAllow  AuthorizationAction = "ALLOW"
	ActionDeny   AuthorizationAction = "DENY"
	ActionAudit  AuthorizationAction = "AUDIT"
	ActionCustom AuthorizationAction = "CUSTOM"
)

// Values lists the accepted actions.
func (AuthorizationAction) Values() []string { return []string{"ALLOW", "DENY", "AUDIT", "CUSTOM"} }

// ExtensionProvider names a provider from the mesh configuration.
type ExtensionProvider struct {
	// Name of the provider.
	Name string `json:"name"`
}

// Rule matches requests by source, operation and conditions (all must hold).
type Rule struct {
	// From lists sources; any may match.
	From []RuleFrom `json:"from,omitempty"`
	// To lists operations; any may match.
	To []RuleTo `json:"to,omitempty"`
	// When lists conditions; all must match.
	When []Condition `json:"when,omitempty"`
}

// RuleFrom wraps a source.
type RuleFrom struct {
	// Source of the request.
	Source *Source `json:"source"`
}

// RuleTo wraps an operation.
type RuleTo struct {
	// Operation requested.
	Operation *Operation `json:"operation"`
}

// Source matches the origin of a request; set fields are ANDed, values
// within a field ORed.
type Source struct {
	// Principals (peer identities, "td/ns/NS/sa/SA"); "*" wildcards allowed.
	Principals []string `json:"principals,omitempty"`
	// NotPrincipals negates Principals.
	NotPrincipals []string `json:"notPrincipals,omitempty"`
	// RequestPrincipals ("iss/sub" of a JWT).
	RequestPrincipals []string `json:"requestPrincipals,omitempty"`
	// NotRequestPrincipals negates RequestPrincipals.
	NotRequestPrincipals []string `json:"notRequestPrincipals,omitempty"`
	// Namespaces of the peer.
	Namespaces []string `json:"namespaces,omitempty"`
	// NotNamespaces negates Namespaces.
	NotNamespaces []string `json:"notNamespaces,omitempty"`
	// IPBlocks (IP or CIDR) of the direct peer.
	IPBlocks []string `json:"ipBlocks,omitempty"`
	// NotIPBlocks negates IPBlocks.
	NotIPBlocks []string `json:"notIpBlocks,omitempty"`
	// RemoteIPBlocks (IP or CIDR) of the original client (X-Forwarded-For).
	RemoteIPBlocks []string `json:"remoteIpBlocks,omitempty"`
	// NotRemoteIPBlocks negates RemoteIPBlocks.
	NotRemoteIPBlocks []string `json:"notRemoteIpBlocks,omitempty"`
	// ServiceAccounts ("ns/sa") of the peer.
	ServiceAccounts []string `json:"serviceAccounts,omitempty"`
	// NotServiceAccounts negates ServiceAccounts.
	NotServiceAccounts []string `json:"notServiceAccounts,omitempty"`
	// TrustDomains of the peer identity.
	TrustDomains []string `json:"trustDomains,omitempty"`
	// NotTrustDomains negates TrustDomains.
	NotTrustDomains []string `json:"notTrustDomains,omitempty"`
}

// Operation matches what a request does.
type Operation struct {
	// Hosts (Host header); "*" wildcards allowed.
	Hosts []string `json:"hosts,omitempty"`
	// NotHosts negates Hosts.
	NotHosts []string `json:"notHosts,omitempty"`
	// Ports (as strings).
	Ports []string `json:"ports,omitempty"`
	// NotPorts negates Ports.
	NotPorts []string `json:"notPorts,omitempty"`
	// Methods (HTTP verbs or gRPC methods).
	Methods []string `json:"methods,omitempty"`
	// NotMethods negates Methods.
	NotMethods []string `json:"notMethods,omitempty"`
	// Paths; "*" prefix/suffix wildcards and "{*}" templates allowed.
	Paths []string `json:"paths,omitempty"`
	// NotPaths negates Paths.
	NotPaths []string `json:"notPaths,omitempty"`
}

// Condition matches a request attribute.
type Condition struct {
	// Key of the attribute, e.g. "request.auth.claims[iss]", "source.ip".
	Key string `json:"key"`
	// Values any of which must match.
	Values []string `json:"values,omitempty"`
	// NotValues none of which may match.
	NotValues []string `json:"notValues,omitempty"`
}
