package api

// DestinationRule (networking.istio.io/v1) configures the traffic policy of a
// service after routing: load balancing, connection pools, outlier
// detection, TLS, and named subsets.
type DestinationRule struct {
	// Host is the service the rule applies to (registry name, may use a
	// "*." wildcard prefix).
	Host string `json:"host"`
	// TrafficPolicy for the whole service.
	TrafficPolicy *TrafficPolicy `json:"trafficPolicy,omitempty"`
	// Subsets are named groups of endpoints selected by labels.
	Subsets []Subset `json:"subsets,omitempty"`
	// ExportTo lists the namespaces that can see this rule.
	ExportTo []string `json:"exportTo,omitempty"`
	// WorkloadSelector limits the rule to the selected client workloads.
	WorkloadSelector *LabelSelector `json:"workloadSelector,omitempty"`
}

// Subset is a named group of endpoints of a service.
type Subset struct {
	// Name of the subset, referenced by routes.
	Name string `json:"name"`
	// Labels endpoints must carry.
	Labels map[string]string `json:"labels,omitempty"`
	// TrafficPolicy overriding the rule's for this subset.
	TrafficPolicy *TrafficPolicy `json:"trafficPolicy,omitempty"`
}

// TrafficPolicy groups the client-side policies of a destination.
type TrafficPolicy struct {
	// LoadBalancer settings.
	LoadBalancer *LoadBalancerSettings `json:"loadBalancer,omitempty"`
	// ConnectionPool limits (circuit breaking).
	ConnectionPool *ConnectionPoolSettings `json:"connectionPool,omitempty"`
	// OutlierDetection ejects failing endpoints.
	OutlierDetection *OutlierDetection `json:"outlierDetection,omitempty"`
	// TLS towards the destination.
	TLS *ClientTLSSettings `json:"tls,omitempty"`
	// PortLevelSettings override the policy per port.
	PortLevelSettings []PortTrafficPolicy `json:"portLevelSettings,omitempty"`
	// Tunnel settings (HTTP CONNECT).
	Tunnel *TunnelSettings `json:"tunnel,omitempty"`
	// ProxyProtocol header sent upstream.
	ProxyProtocol *ProxyProtocol `json:"proxyProtocol,omitempty"`
	// RetryBudget limits concurrent retries.
	RetryBudget *RetryBudget `json:"retryBudget,omitempty"`
}

// PortTrafficPolicy is a traffic policy for one port.
type PortTrafficPolicy struct {
	// Port the policy applies to.
	Port *PortSelector `json:"port,omitempty"`
	// LoadBalancer settings.
	LoadBalancer *LoadBalancerSettings `json:"loadBalancer,omitempty"`
	// ConnectionPool limits.
	ConnectionPool *ConnectionPoolSettings `json:"connectionPool,omitempty"`
	// OutlierDetection settings.
	OutlierDetection *OutlierDetection `json:"outlierDetection,omitempty"`
	// TLS towards the destination.
	TLS *ClientTLSSettings `json:"tls,omitempty"`
}

// LoadBalancerSettings chooses a load-balancing algorithm; set Simple or
// ConsistentHash.
type LoadBalancerSettings struct {
	// Simple algorithm.
	Simple SimpleLB `json:"simple,omitempty"`
	// ConsistentHash based affinity.
	ConsistentHash *ConsistentHashLB `json:"consistentHash,omitempty"`
	// LocalityLbSetting for locality-aware balancing.
	LocalityLbSetting *LocalityLoadBalancerSetting `json:"localityLbSetting,omitempty"`
	// ZoneAwareLbSetting for Envoy's zone-aware routing; exclusive with
	// LocalityLbSetting.
	ZoneAwareLbSetting *ZoneAwareLoadBalancerSetting `json:"zoneAwareLbSetting,omitempty"`
	// WarmupDurationSecs ramps traffic to new endpoints over this duration
	// (deprecated form of Warmup).
	WarmupDurationSecs *Duration `json:"warmupDurationSecs,omitempty"`
	// Warmup ramps traffic to new endpoints.
	Warmup *WarmupConfiguration `json:"warmup,omitempty"`
}

// ZoneAwareLoadBalancerSetting configures zone-aware routing.
type ZoneAwareLoadBalancerSetting struct {
	// Enabled turns zone-aware routing on or off.
	Enabled *bool `json:"enabled,omitempty"`
	// Failover from a region to another.
	Failover []LocalityFailover `json:"failover,omitempty"`
	// FailoverPriority is an ordered list of labels for failover priority.
	FailoverPriority []string `json:"failoverPriority,omitempty"`
	// MinClusterSize below which zone-aware routing is off.
	MinClusterSize *uint64 `json:"minClusterSize,omitempty"`
}

// WarmupConfiguration ramps traffic to new endpoints.
type WarmupConfiguration struct {
	// Duration of the ramp (required).
	Duration *Duration `json:"duration"`
	// MinimumPercent of traffic a new endpoint gets at first (0-100).
	MinimumPercent *float64 `json:"minimumPercent,omitempty"`
	// Aggression of the ramp curve (at least 1; 1 is linear).
	Aggression *float64 `json:"aggression,omitempty"`
}

// SimpleLB is a simple load-balancing algorithm.
type SimpleLB string

// Simple load-balancing algorithms.
const (
	SimpleLBUnspecified  SimpleLB = "UNSPECIFIED"
	SimpleLBLeastConn    SimpleLB = "LEAST_CONN"
	SimpleLBRandom       SimpleLB = "RANDOM"
	SimpleLBPassthrough  SimpleLB = "PASSTHROUGH"
	SimpleLBRoundRobin   SimpleLB = "ROUND_ROBIN"
	SimpleLBLeastRequest SimpleLB = "LEAST_REQUEST"
)

// Values lists the accepted algorithms.
func (SimpleLB) Values() []string {
	return []string{"UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"}
}

// ConsistentHashLB hashes a request property to pick an endpoint; set one
// of HTTPHeaderName, HTTPCookie, UseSourceIP, HTTPQueryParameterName.
type ConsistentHashLB struct {
	// HTTPHeaderName hashes on a header.
	HTTPHeaderName string `json:"httpHeaderName,omitempty"`
	// HTTPCookie hashes on a cookie (generated when absent and TTL is set).
	HTTPCookie *HTTPCookie `json:"httpCookie,omitempty"`
	// UseSourceIP hashes on the source IP.
	UseSourceIP bool `json:"useSourceIp,omitempty"`
	// HTTPQueryParameterName hashes on a query parameter.
	HTTPQueryParameterName string `json:"httpQueryParameterName,omitempty"`
	// RingHash selects the ring hash algorithm.
	RingHash *RingHash `json:"ringHash,omitempty"`
	// Maglev selects the Maglev algorithm.
	Maglev *MagLev `json:"maglev,omitempty"`
	// MinimumRingSize is deprecated: use RingHash.
	MinimumRingSize uint64 `json:"minimumRingSize,omitempty"`
}

// HTTPCookie names a cookie used for hashing.
type HTTPCookie struct {
	// Name of the cookie.
	Name string `json:"name"`
	// Path of the cookie.
	Path string `json:"path,omitempty"`
	// TTL of a generated cookie.
	TTL *Duration `json:"ttl,omitempty"`
	// Attributes added to a generated cookie.
	Attributes []HTTPCookieAttribute `json:"attributes,omitempty"`
}

// HTTPCookieAttribute is an attribute of a generated cookie.
type HTTPCookieAttribute struct {
	// Name of the attribute, e.g. "SameSite".
	Name string `json:"name"`
	// Value of the attribute.
	Value string `json:"value,omitempty"`
}

// RingHash configures the ring hash algorithm.
type RingHash struct {
	// MinimumRingSize of the hash ring.
	MinimumRingSize uint64 `json:"minimumRingSize,omitempty"`
}

// MagLev configures the Maglev algorithm.
type MagLev struct {
	// TableSize is a prime number, the size of the lookup table.
	TableSize uint64 `json:"tableSize,omitempty"`
}

// LocalityLoadBalancerSetting configures locality-weighted balancing.
type LocalityLoadBalancerSetting struct {
	// Distribute traffic between localities by weight.
	Distribute []LocalityDistribute `json:"distribute,omitempty"`
	// Failover from a region to another.
	Failover []LocalityFailover `json:"failover,omitempty"`
	// FailoverPriority is an ordered list of labels for failover priority.
	FailoverPriority []string `json:"failoverPriority,omitempty"`
	// Enabled turns locality balancing on or off.
	Enabled *bool `json:"enabled,omitempty"`
}

// LocalityDistribute distributes traffic from one locality.
type LocalityDistribute struct {
	// From is "region/zone/subzone" (with "*" wildcards).
	From string `json:"from,omitempty"`
	// To maps target localities to weights summing to 100.
	To map[string]uint32 `json:"to,omitempty"`
}

// LocalityFailover names the failover region of a region.
type LocalityFailover struct {
	// From region.
	From string `json:"from,omitempty"`
	// To region.
	To string `json:"to,omitempty"`
}

// ConnectionPoolSettings limit connections and requests (circuit breaking).
type ConnectionPoolSettings struct {
	// TCP settings.
	TCP *TCPSettings `json:"tcp,omitempty"`
	// HTTP settings.
	HTTP *HTTPSettings `json:"http,omitempty"`
}

// TCPSettings limit TCP connections.
type TCPSettings struct {
	// MaxConnections to a destination host.
	MaxConnections int32 `json:"maxConnections,omitempty"`
	// ConnectTimeout for TCP connections.
	ConnectTimeout *Duration `json:"connectTimeout,omitempty"`
	// TCPKeepalive settings.
	TCPKeepalive *TCPKeepalive `json:"tcpKeepalive,omitempty"`
	// MaxConnectionDuration closes connections older than this.
	MaxConnectionDuration *Duration `json:"maxConnectionDuration,omitempty"`
	// IdleTimeout closes idle connections.
	IdleTimeout *Duration `json:"idleTimeout,omitempty"`
}

// TCPKeepalive configures SO_KEEPALIVE.
type TCPKeepalive struct {
	// Probes before the connection is dead.
	Probes uint32 `json:"probes,omitempty"`
	// Time idle before probes start.
	Time *Duration `json:"time,omitempty"`
	// Interval between probes.
	Interval *Duration `json:"interval,omitempty"`
}

// HTTPSettings limit HTTP requests.
type HTTPSettings struct {
	// HTTP1MaxPendingRequests queued while waiting for a connection.
	HTTP1MaxPendingRequests int32 `json:"http1MaxPendingRequests,omitempty"`
	// HTTP2MaxRequests active at once.
	HTTP2MaxRequests int32 `json:"http2MaxRequests,omitempty"`
	// MaxRequestsPerConnection before a connection is closed (1 disables
	// keep-alive).
	MaxRequestsPerConnection int32 `json:"maxRequestsPerConnection,omitempty"`
	// MaxRetries outstanding at once.
	MaxRetries int32 `json:"maxRetries,omitempty"`
	// IdleTimeout closes idle upstream connections.
	IdleTimeout *Duration `json:"idleTimeout,omitempty"`
	// H2UpgradePolicy: DEFAULT, DO_NOT_UPGRADE or UPGRADE.
	H2UpgradePolicy H2UpgradePolicy `json:"h2UpgradePolicy,omitempty"`
	// UseClientProtocol uses the downstream protocol upstream.
	UseClientProtocol bool `json:"useClientProtocol,omitempty"`
	// MaxConcurrentStreams per HTTP/2 connection.
	MaxConcurrentStreams int32 `json:"maxConcurrentStreams,omitempty"`
	// HTTP2KeepAlive sends HTTP/2 PINGs on upstream connections.
	HTTP2KeepAlive *ConnectionKeepalive `json:"http2KeepAlive,omitempty"`
}

// ConnectionKeepalive configures HTTP/2 keepalive PINGs.
type ConnectionKeepalive struct {
	// Interval between PINGs.
	Interval *Duration `json:"interval,omitempty"`
	// Timeout waiting for a PING response before closing the connection.
	Timeout *Duration `json:"timeout,omitempty"`
}

// H2UpgradePolicy controls upgrading HTTP/1.1 to HTTP/2 upstream.
type H2UpgradePolicy string

// Values lists the accepted policies.
func (H2UpgradePolicy) Values() []string { return []string{"DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"} }

// OutlierDetection ejects endpoints that fail.
type OutlierDetection struct {
	// SplitExternalLocalOriginErrors counts local-origin failures apart.
	SplitExternalLocalOriginErrors bool `json:"splitExternalLocalOriginErrors,omitempty"`
	// ConsecutiveLocalOriginFailures before ejection.
	ConsecutiveLocalOriginFailures *uint32 `json:"consecutiveLocalOriginFailures,omitempty"`
	// ConsecutiveGatewayErrors (502, 503, 504) before ejection.
	ConsecutiveGatewayErrors *uint32 `json:"consecutiveGatewayErrors,omitempty"`
	// Consecutive5xxErrors before ejection.
	Consecutive5xxErrors *uint32 `json:"consecutive5xxErrors,omitempty"`
	// Interval between ejection sweeps.
	Interval *Duration `json:"interval,omitempty"`
	// BaseEjectionTime, multiplied by the number of ejections.
	BaseEjectionTime *Duration `json:"baseEjectionTime,omitempty"`
	// MaxEjectionPercent of endpoints that can be ejected (0-100).
	MaxEjectionPercent int32 `json:"maxEjectionPercent,omitempty"`
	// MinHealthPercent below which ejection is disabled (0-100).
	MinHealthPercent int32 `json:"minHealthPercent,omitempty"`
	// ConsecutiveErrors is deprecated: use Consecutive5xxErrors.
	ConsecutiveErrors int32 `json:"consecutiveErrors,omitempty"`
	// OutlierDetectionHTTPErrorCodes counted as errors instead of 5xx.
	OutlierDetectionHTTPErrorCodes []uint32 `json:"outlierDetectionHttpErrorCodes,omitempty"`
}

// ClientTLSSettings configure TLS towards a destination.
type ClientTLSSettings struct {
	// Mode: DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL.
	Mode ClientTLSMode `json:"mode,omitempty"`
	// ClientCertificate file (MUTUAL).
	ClientCertificate string `json:"clientCertificate,omitempty"`
	// PrivateKey file (MUTUAL).
	PrivateKey string `json:"privateKey,omitempty"`
	// CACertificates file to verify the server.
	CACertificates string `json:"caCertificates,omitempty"`
	// CredentialName of a secret holding the certificates.
	CredentialName string `json:"credentialName,omitempty"`
	// SubjectAltNames accepted in the server certificate.
	SubjectAltNames []string `json:"subjectAltNames,omitempty"`
	// SNI sent to the server.
	SNI string `json:"sni,omitempty"`
	// InsecureSkipVerify skips server certificate verification.
	InsecureSkipVerify *bool `json:"insecureSkipVerify,omitempty"`
	// CACrl file of revoked certificates.
	CACrl string `json:"caCrl,omitempty"`
}

// ClientTLSMode is the TLS mode towards a destination.
type ClientTLSMode string

// Client TLS modes.
const (
	ClientTLSDisable     ClientTLSMode = "DISABLE"
	ClientTLSSimple      ClientTLSMode = "SIMPLE"
	ClientTLSMutual      ClientTLSMode = "MUTUAL"
	ClientTLSIstioMutual ClientTLSMode = "ISTIO_MUTUAL"
)

// Values lists the accepted modes.
func (ClientTLSMode) Values() []string {
	return []string{"DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"}
}

// TunnelSettings tunnel TCP over HTTP CONNECT.
type TunnelSettings struct {
	// Protocol: CONNECT or POST.
	Protocol string `json:"protocol,omitempty"`
	// TargetHost of the tunnel.
	TargetHost string `json:"targetHost"`
	// TargetPort of the tunnel.
	TargetPort uint32 `json:"targetPort"`
}

// ProxyProtocol sends a PROXY protocol header upstream.
type ProxyProtocol struct {
	// Version: V1 or V2.
	Version ProxyProtocolVersion `json:"version,omitempty"`
}

// ProxyProtocolVersion is a PROXY protocol version.
type ProxyProtocolVersion string

// Values lists the accepted versions.
func (ProxyProtocolVersion) Values() []string { return []string{"V1", "V2"} }

// RetryBudget limits retries relative to active requests.
type RetryBudget struct {
	// Percent of active requests that may be retries (0-100); default 20.
	Percent *float64 `json:"percent,omitempty"`
	// MinRetryConcurrency allowed regardless of Percent; default 3.
	MinRetryConcurrency uint32 `json:"minRetryConcurrency,omitempty"`
	// BudgetInterval is the window of requests the budget is computed over;
	// unset means only active and pending requests.
	BudgetInterval *Duration `json:"budgetInterval,omitempty"`
}
