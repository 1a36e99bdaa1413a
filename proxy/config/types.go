package config

import (
	"crypto/tls"
	"crypto/x509"
	"regexp"
	"time"
)

// Listener is one translated envoy.config.listener.v3.Listener.
type Listener struct {
	Name           string
	Address        string // host:port to bind
	UseOriginalDst bool   // recover SO_ORIGINAL_DST and hand the conn to the listener bound there
	BindToPort     bool   // false: only reachable through another listener's original-dst handoff
	Direction      string // INBOUND, OUTBOUND or UNSPECIFIED (xds.listener_direction)
	FilterChains   []FilterChain
	DefaultChain   *FilterChain
	NeedsTLSPeek   bool // some chain matches on SNI, ALPN or transport protocol
}

// FilterChainMatch selects a filter chain for a connection.
type FilterChainMatch struct {
	DestinationPort   uint32   // 0: any
	ServerNames       []string // SNI; "*.example.com" wildcards allowed
	TransportProtocol string   // "", "tls" or "raw_buffer"
	ALPN              []string // application protocols offered by the client
}

// FilterChain is the network filters applied to a matched connection.
type FilterChain struct {
	Name  string
	Match FilterChainMatch
	TLS   *DownstreamTLS // nil: plaintext
	HTTP  *HTTPConnectionManager
	TCP   *TCPProxy
	// NetWasm are the envoy.filters.network.wasm filters ahead of TCP, in
	// chain order.
	NetWasm []WasmFilter
}

// DownstreamTLS terminates TLS on a filter chain.
type DownstreamTLS struct {
	Cert              SecretRef
	Validation        SecretRef // empty: no client certificate validation
	RequireClientCert bool
	ALPN              []string
	MatchSANs         []SANMatcher
}

// UpstreamTLS originates TLS to cluster hosts.
type UpstreamTLS struct {
	SNI        string
	Cert       SecretRef // empty: no client certificate
	Validation SecretRef // empty: no server verification (Envoy's default)
	MatchSANs  []SANMatcher
	ALPN       []string
}

// SecretRef names an SDS secret or carries it inline.
type SecretRef struct {
	Name   string  // SDS name; "" when inline or absent
	Inline *Secret // inline secret
}

// IsZero reports whether the reference is absent.
func (r SecretRef) IsZero() bool { return r.Name == "" && r.Inline == nil }

// Secret is a translated envoy.extensions.transport_sockets.tls.v3.Secret.
type Secret struct {
	Name string
	// Certificate is set for tls_certificate secrets.
	Certificate *tls.Certificate
	// Roots is set for validation_context secrets.
	Roots     *x509.CertPool
	MatchSANs []SANMatcher
	// Verify, when set on a validation secret, further checks the peer's
	// chain (DER, leaf first) after the roots and SANs; the proxy's agent
	// sets it to refuse revoked peers. Never set by translation.
	Verify func(rawCerts [][]byte) error `json:"-"`
}

// SANMatcher matches a subject alternative name (URI, DNS) of a peer certificate.
type SANMatcher struct {
	Kind  StringMatchKind
	Value string
	Regex *regexp.Regexp
}

// StringMatchKind is how a string is compared.
type StringMatchKind int

// String match kinds.
const (
	MatchExact StringMatchKind = iota
	MatchPrefix
	MatchSuffix
	MatchContains
	MatchRegex
	MatchPresent
)

// StringMatcher compares one string value.
type StringMatcher struct {
	Kind       StringMatchKind
	Value      string
	Regex      *regexp.Regexp
	IgnoreCase bool
}

// HTTPConnectionManager is a translated http_connection_manager filter.
type HTTPConnectionManager struct {
	StatPrefix        string
	Codec             Codec
	RDSName           string       // set when routes come from RDS
	Routes            *RouteConfig // set when inline
	Filters           []HTTPFilter // in order; the router is last and not listed
	WebSocket         bool         // upgrade_configs has websocket
	AccessLog         bool         // access_log configured (stdout)
	StreamIdleTimeout time.Duration
	RequestTimeout    time.Duration
	UseRemoteAddress  bool
	Tracing           *Tracing // nil: no tracing
}

// Codec is the downstream HTTP protocol selection.
type Codec int

// Codecs.
const (
	CodecAuto Codec = iota
	CodecHTTP1
	CodecHTTP2
)

// TCPProxy is a translated tcp_proxy filter.
type TCPProxy struct {
	StatPrefix  string
	Cluster     string
	Weighted    []WeightedCluster
	IdleTimeout time.Duration
	AccessLog   bool
}

// HTTPFilterKind names the supported HTTP filters.
type HTTPFilterKind string

// Supported HTTP filters.
const (
	FilterWasm  HTTPFilterKind = "envoy.filters.http.wasm"
	FilterFault HTTPFilterKind = "envoy.filters.http.fault"
	FilterCORS  HTTPFilterKind = "envoy.filters.http.cors"
	FilterJWT   HTTPFilterKind = "envoy.filters.http.jwt_authn"
	// FilterDenyAll is envoy.filters.http.rbac in the one form supported:
	// an ALLOW action with no policies, which refuses every request. Istio
	// sends it in place of a fail-closed Wasm plugin whose module is not
	// available.
	FilterDenyAll HTTPFilterKind = "envoy.filters.http.rbac"
)

// HTTPFilter is one entry of the HTTP filter chain (the router excluded).
type HTTPFilter struct {
	Name     string // the filter's configured name
	Kind     HTTPFilterKind
	ECDSName string // config comes from ECDS under this name
	Disabled bool
	Wasm     *WasmFilter
	Fault    *Fault
	JWT      *JWTAuthn
	CORS     bool
}

// WasmFilter is a translated envoy.extensions.filters.http.wasm.v3.Wasm.
type WasmFilter struct {
	Name            string
	RootID          string
	VMID            string
	Runtime         string
	LocalFile       string
	LocalBytes      []byte
	RemoteURI       string
	SHA256          string
	Configuration   []byte
	VMConfiguration []byte
	Env             map[string]string
	FailOpen        bool
}

// Fault is a translated fault filter config.
type Fault struct {
	DelayPerMillion uint32 // 0..1e6
	Delay           time.Duration
	AbortPerMillion uint32
	AbortStatus     int
	AbortGRPCStatus int // -1 when unset
	MaxActive       uint32
	HeaderMatch     []HeaderMatcher
}

// JWTAuthn is a translated jwt_authn filter config.
type JWTAuthn struct {
	Providers map[string]*JWTProvider
	Rules     []JWTRule
}

// JWTProvider verifies tokens from one issuer.
type JWTProvider struct {
	Name              string
	Issuer            string
	Audiences         []string
	InlineJWKS        []byte
	RemoteJWKSURI     string
	RemoteJWKSCluster string
	CacheDuration     time.Duration
	FromHeaders       []JWTHeader
	FromParams        []string
	Forward           bool
	PayloadInMetadata string
	ClaimToHeaders    []ClaimHeader
	ForwardPayload    string
}

// JWTHeader is a header that may carry a token, with an optional prefix such as "Bearer ".
type JWTHeader struct {
	Name        string
	ValuePrefix string
}

// ClaimHeader copies a claim into a request header.
type ClaimHeader struct {
	Claim  string
	Header string
}

// JWTRule says which providers a request matching Match must satisfy.
type JWTRule struct {
	Match        RouteMatch
	Providers    []string // any of them; empty: no requirement
	AllowMissing bool     // requires_any with allow_missing: a request without a token passes
	AllowFailed  bool
}

// RouteConfig is a translated envoy.config.route.v3.RouteConfiguration.
type RouteConfig struct {
	Name            string
	VirtualHosts    []VirtualHost
	RequestHeaders  HeaderOps
	ResponseHeaders HeaderOps
}

// VirtualHost groups routes by domain.
type VirtualHost struct {
	Name            string
	Domains         []string
	Routes          []Route
	RequestHeaders  HeaderOps
	ResponseHeaders HeaderOps
	CORS            *CORSPolicy
	Retry           *RetryPolicy
}

// Route is one match and its action.
type Route struct {
	Name            string
	Match           RouteMatch
	Forward         *RouteAction
	Redirect        *Redirect
	Direct          *DirectResponse
	RequestHeaders  HeaderOps
	ResponseHeaders HeaderOps
	Fault           *Fault // per-route override of the fault filter
	CORS            *CORSPolicy
}

// PathKind selects how RouteMatch.Path is compared.
type PathKind int

// Path kinds.
const (
	PathPrefix PathKind = iota
	PathExact
	PathRegex
	PathSeparatedPrefix
)

// RouteMatch is a request predicate.
type RouteMatch struct {
	PathKind      PathKind
	Path          string
	Regex         *regexp.Regexp
	CaseSensitive bool
	Headers       []HeaderMatcher
	Query         []QueryMatcher
	GRPC          bool
}

// HeaderMatcher matches one request header.
type HeaderMatcher struct {
	Name    string
	Match   StringMatcher // Kind MatchPresent for present_match
	Present bool          // for MatchPresent: the header must be present (true) or absent (false)
	Invert  bool
}

// QueryMatcher matches one query parameter.
type QueryMatcher struct {
	Name    string
	Match   StringMatcher
	Present bool
}

// WeightedCluster is one target of a weighted split.
type WeightedCluster struct {
	Name            string
	Weight          uint32
	RequestHeaders  HeaderOps
	ResponseHeaders HeaderOps
}

// RouteAction forwards to a cluster.
type RouteAction struct {
	Cluster         string
	Weighted        []WeightedCluster
	TotalWeight     uint32
	Timeout         time.Duration // 0: none
	IdleTimeout     time.Duration
	Retry           *RetryPolicy
	PrefixRewrite   string
	RegexRewrite    *regexp.Regexp
	RegexSubstitute string
	HostRewrite     string
	AutoHostRewrite bool
	Mirrors         []Mirror
	HashPolicies    []HashPolicy
	WebSocket       *bool // per-route upgrade override
	CORS            *CORSPolicy
}

// RetryPolicy is Envoy's retry policy.
type RetryPolicy struct {
	On5xx          bool
	GatewayError   bool
	ConnectFailure bool
	Reset          bool
	RetriableCodes []int
	NumRetries     int
	PerTryTimeout  time.Duration
	BaseInterval   time.Duration
	MaxInterval    time.Duration
}

// Mirror shadows a fraction of requests to a cluster.
type Mirror struct {
	Cluster    string
	PerMillion uint32
}

// HashPolicyKind selects the ring hash input.
type HashPolicyKind int

// Hash policy kinds.
const (
	HashHeader HashPolicyKind = iota
	HashCookie
	HashSourceIP
	HashQueryParam
)

// HashPolicy computes the hash key for ring hash load balancing.
type HashPolicy struct {
	Kind      HashPolicyKind
	Name      string // header, cookie or parameter name
	CookieTTL time.Duration
	Terminal  bool
}

// Redirect answers with a 3xx.
type Redirect struct {
	Scheme        string
	Host          string
	Port          uint32
	Path          string
	PrefixRewrite string
	Code          int
	StripQuery    bool
}

// DirectResponse answers without an upstream.
type DirectResponse struct {
	Status int
	Body   []byte
}

// HeaderValue is one header to add.
type HeaderValue struct {
	Key      string
	Value    string
	Append   bool // false: overwrite
	IfAbsent bool
}

// HeaderOps adds and removes headers.
type HeaderOps struct {
	Add    []HeaderValue
	Remove []string
}

// CORSPolicy is Envoy's route-level CORS policy.
type CORSPolicy struct {
	AllowOrigins     []StringMatcher
	AllowMethods     string
	AllowHeaders     string
	ExposeHeaders    string
	MaxAge           string
	AllowCredentials bool
}

// ClusterType is the discovery type of a cluster.
type ClusterType int

// Cluster types.
const (
	ClusterStatic ClusterType = iota
	ClusterStrictDNS
	ClusterEDS
	ClusterOriginalDst // ORIGINAL_DST: the host is the downstream connection's original destination
)

// LBPolicy is a cluster's load balancing policy.
type LBPolicy int

// Load balancing policies.
const (
	LBRoundRobin LBPolicy = iota
	LBLeastRequest
	LBRandom
	LBRingHash
)

// Cluster is a translated envoy.config.cluster.v3.Cluster.
type Cluster struct {
	Name               string
	Type               ClusterType
	EDSServiceName     string // for EDS: the ClusterLoadAssignment name (defaults to Name)
	ConnectTimeout     time.Duration
	LB                 LBPolicy
	LeastRequestPick   int        // choice_count
	RingMinSize        uint64     // ring hash minimum ring size
	Endpoints          *Endpoints // STATIC and STRICT_DNS
	DNSRefresh         time.Duration
	Limits             Limits
	Outlier            *OutlierDetection
	HealthChecks       []HealthCheck
	TLS                *UpstreamTLS
	Protocol           UpstreamProtocol
	IdleTimeout        time.Duration
	MaxRequestsPerConn int
	// OrigDstHeader, for ORIGINAL_DST clusters with use_http_header, names the
	// request header that overrides the connection's original destination.
	OrigDstHeader string
	// CleanupInterval, for ORIGINAL_DST clusters, is how long an unused host is kept.
	CleanupInterval time.Duration
}

// UpstreamProtocol is the protocol spoken to cluster hosts.
type UpstreamProtocol int

// Upstream protocols.
const (
	UpstreamHTTP1 UpstreamProtocol = iota
	UpstreamHTTP2
	UpstreamDownstream // same as the downstream request
)

// Limits are the default-priority circuit breaker thresholds (0 means Envoy's default 1024).
type Limits struct {
	MaxConnections     int
	MaxPendingRequests int
	MaxRequests        int
	MaxRetries         int
}

// OutlierDetection ejects hosts that fail.
type OutlierDetection struct {
	Consecutive5xx            int
	ConsecutiveGatewayFailure int
	Interval                  time.Duration
	BaseEjectionTime          time.Duration
	MaxEjectionTime           time.Duration
	MaxEjectionPercent        int
	Enforcing5xx              int // percent
	EnforcingGateway          int // percent
}

// HealthCheck is an active HTTP health check.
type HealthCheck struct {
	Path               string
	Host               string
	Interval           time.Duration
	Timeout            time.Duration
	UnhealthyThreshold int
	HealthyThreshold   int
	ExpectedStatuses   [][2]int // [start, end) ranges; empty: 200 only
}

// Endpoints is a translated ClusterLoadAssignment.
type Endpoints struct {
	ClusterName            string
	Localities             []Locality
	OverprovisioningFactor int // percent; default 140
}

// Locality is a weighted group of hosts.
type Locality struct {
	Region, Zone, SubZone string
	Weight                uint32 // 0: locality weighting not used
	Priority              uint32
	Hosts                 []Host
}

// HealthStatus is the EDS-reported health of a host.
type HealthStatus int

// Health statuses.
const (
	HealthUnknown HealthStatus = iota
	HealthHealthy
	HealthUnhealthy
	HealthDraining
	HealthDegraded
)

// Host is one endpoint.
type Host struct {
	Address  string // IP or DNS name
	Port     uint32
	Weight   uint32
	Health   HealthStatus
	Hostname string
}
