package api

// Sidecar (networking.istio.io/v1) scopes the configuration of sidecar
// proxies: which inbound ports they accept and which services they can reach.
type Sidecar struct {
	// WorkloadSelector selects the proxies; without it the Sidecar applies to
	// every proxy of its namespace (at most one such Sidecar per namespace).
	WorkloadSelector *WorkloadSelector `json:"workloadSelector,omitempty"`
	// Ingress listeners (inbound traffic).
	Ingress []IstioIngressListener `json:"ingress,omitempty"`
	// Egress listeners (outbound traffic); hosts limit the visible services.
	Egress []IstioEgressListener `json:"egress,omitempty"`
	// InboundConnectionPool applies to all inbound traffic.
	InboundConnectionPool *ConnectionPoolSettings `json:"inboundConnectionPool,omitempty"`
	// OutboundTrafficPolicy for destinations outside the registry.
	OutboundTrafficPolicy *OutboundTrafficPolicy `json:"outboundTrafficPolicy,omitempty"`
}

// IstioIngressListener is an inbound listener of a sidecar.
type IstioIngressListener struct {
	// Port to accept traffic on.
	Port *SidecarPort `json:"port"`
	// Bind address.
	Bind string `json:"bind,omitempty"`
	// CaptureMode: DEFAULT, IPTABLES or NONE.
	CaptureMode CaptureMode `json:"captureMode,omitempty"`
	// DefaultEndpoint to forward to, e.g. "127.0.0.1:8080".
	DefaultEndpoint string `json:"defaultEndpoint,omitempty"`
	// TLS settings for this port.
	TLS *ServerTLSSettings `json:"tls,omitempty"`
	// ConnectionPool for this port.
	ConnectionPool *ConnectionPoolSettings `json:"connectionPool,omitempty"`
}

// IstioEgressListener is an outbound listener of a sidecar.
type IstioEgressListener struct {
	// Port of the listener; omit for all ports.
	Port *SidecarPort `json:"port,omitempty"`
	// Bind address.
	Bind string `json:"bind,omitempty"`
	// CaptureMode: DEFAULT, IPTABLES or NONE.
	CaptureMode CaptureMode `json:"captureMode,omitempty"`
	// Hosts visible to the proxy as "namespace/dnsName" ("*/", "./", "~/").
	Hosts []string `json:"hosts"`
}

// SidecarPort is a port of a sidecar listener.
type SidecarPort struct {
	// Number of the port (1-65535).
	Number uint32 `json:"number"`
	// Protocol of the port.
	Protocol Protocol `json:"protocol,omitempty"`
	// Name of the port.
	Name string `json:"name,omitempty"`
	// TargetPort on the workload.
	TargetPort uint32 `json:"targetPort,omitempty"`
}

// CaptureMode says how traffic reaches a listener.
type CaptureMode string

// Values lists the accepted modes.
func (CaptureMode) Values() []string { return []string{"DEFAULT", "IPTABLES", "NONE"} }

// OutboundTrafficPolicy decides about destinations outside the registry.
type OutboundTrafficPolicy struct {
	// Mode: REGISTRY_ONLY or ALLOW_ANY.
	Mode OutboundMode `json:"mode,omitempty"`
	// EgressProxy receives unknown traffic in ALLOW_ANY mode.
	EgressProxy *Destination `json:"egressProxy,omitempty"`
}

// OutboundMode is REGISTRY_ONLY or ALLOW_ANY.
type OutboundMode string

// Outbound modes.
const (
	RegistryOnly OutboundMode = "REGISTRY_ONLY"
	AllowAny     OutboundMode = "ALLOW_ANY"
)

// Values lists the accepted modes.
func (OutboundMode) Values() []string { return []string{"REGISTRY_ONLY", "ALLOW_ANY"} }
