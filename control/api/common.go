package api

import "strings"

// Enum is implemented by every enumerated string type of this package;
// Values lists the accepted spellings (the empty string is always accepted
// and means "unset").
type Enum interface {
	Values() []string
}

// Normalizer is implemented by enums that accept other spellings (such as
// lower case) for their values; Normalize returns the canonical spelling.
type Normalizer interface {
	Normalize(string) string
}

// StringMatch matches a string; set exactly one of its fields.
type StringMatch struct {
	// Exact matches the whole string.
	Exact string `json:"exact,omitempty"`
	// Prefix matches a prefix.
	Prefix string `json:"prefix,omitempty"`
	// Regex matches an RE2 regular expression against the whole string.
	Regex string `json:"regex,omitempty"`
}

// PortSelector selects a port by number.
type PortSelector struct {
	// Number is the port number (1-65535).
	Number uint32 `json:"number,omitempty"`
}

// Percent is a percentage between 0.0 and 100.0.
type Percent struct {
	// Value is the percentage.
	Value float64 `json:"value,omitempty"`
}

// Port describes a port exposed by a service or listener.
type Port struct {
	// Number is the port number (1-65535).
	Number uint32 `json:"number"`
	// Protocol is one of HTTP, HTTPS, GRPC, GRPC-WEB, HTTP2, MONGO, TCP, TLS.
	Protocol Protocol `json:"protocol,omitempty"`
	// Name is the port's name.
	Name string `json:"name,omitempty"`
	// TargetPort is the port on the endpoint receiving the traffic.
	TargetPort uint32 `json:"targetPort,omitempty"`
}

// Protocol names the application protocol of a port.
type Protocol string

// Protocols accepted on ports.
const (
	ProtocolHTTP    Protocol = "HTTP"
	ProtocolHTTPS   Protocol = "HTTPS"
	ProtocolGRPC    Protocol = "GRPC"
	ProtocolGRPCWeb Protocol = "GRPC-WEB"
	ProtocolHTTP2   Protocol = "HTTP2"
	ProtocolMongo   Protocol = "MONGO"
	ProtocolTCP     Protocol = "TCP"
	ProtocolTLS     Protocol = "TLS"
	// ProtocolHTTPProxy is for Sidecar egress listeners acting as an HTTP
	// proxy.
	ProtocolHTTPProxy Protocol = "HTTP_PROXY"
)

// Values lists the accepted protocols.
func (Protocol) Values() []string {
	return []string{"HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "TCP", "TLS", "HTTP_PROXY"}
}

// Normalize makes protocol names case-insensitive, as Istio does.
func (Protocol) Normalize(s string) string { return strings.ToUpper(s) }

// WorkloadSelector selects workloads by labels (networking kinds:
// ServiceEntry, Sidecar).
type WorkloadSelector struct {
	// Labels a workload must carry to be selected.
	Labels map[string]string `json:"labels,omitempty"`
}

// LabelSelector selects workloads by labels (security, extensions and
// telemetry kinds, and DestinationRule).
type LabelSelector struct {
	// MatchLabels a workload must carry to be selected.
	MatchLabels map[string]string `json:"matchLabels,omitempty"`
}

// PolicyTargetReference names a resource a policy attaches to (a Gateway API
// Gateway or a Service).
type PolicyTargetReference struct {
	// Group of the target, e.g. "gateway.networking.k8s.io".
	Group string `json:"group,omitempty"`
	// Kind of the target, e.g. "Gateway".
	Kind string `json:"kind"`
	// Name of the target.
	Name string `json:"name"`
	// Namespace of the target; defaults to the policy's namespace.
	Namespace string `json:"namespace,omitempty"`
}

// WorkloadMode selects the direction of traffic a setting applies to.
type WorkloadMode string

// Workload modes.
const (
	WorkloadModeUnspecified  WorkloadMode = "UNSPECIFIED"
	WorkloadModeClient       WorkloadMode = "CLIENT"
	WorkloadModeServer       WorkloadMode = "SERVER"
	WorkloadModeClientServer WorkloadMode = "CLIENT_AND_SERVER"
)

// Values lists the accepted modes.
func (WorkloadMode) Values() []string {
	return []string{"UNSPECIFIED", "UNDEFINED", "CLIENT", "SERVER", "CLIENT_AND_SERVER"}
}
