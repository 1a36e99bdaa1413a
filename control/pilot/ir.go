package pilot

import (
	"github.com/wasmesh/wasmesh/control/api"
)

// IR is the translated configuration of one proxy before it becomes Envoy
// resources: references are resolved (hosts to clusters, subsets to label
// sets, policies to the workloads they select) and everything is sorted.
type IR struct {
	Node      Node           `json:"node"`
	Listeners []ListenerIR   `json:"listeners,omitempty"`
	Routes    []RouteTableIR `json:"routes,omitempty"`
	Clusters  []ClusterIR    `json:"clusters,omitempty"`
	Filters   []WasmFilterIR `json:"filters,omitempty"`
	// NetworkFilters are the NETWORK WasmPlugins selecting the proxy;
	// applyNetworkWasm puts them on the TCP chains they match.
	NetworkFilters []WasmFilterIR `json:"networkFilters,omitempty"`
	Secrets        []SecretIR     `json:"secrets,omitempty"`
	// Warnings are references that do not resolve (yet).
	Warnings []string `json:"warnings,omitempty"`
	// DependsOnIP is set when the output uses the node's address, so that
	// proxies of the same shape but other addresses cannot share it.
	DependsOnIP bool `json:"-"`
}

// Direction of a listener.
type Direction string

// Directions.
const (
	Outbound Direction = "OUTBOUND"
	Inbound  Direction = "INBOUND"
)

// ListenerIR is one listener.
type ListenerIR struct {
	Name           string    `json:"name"`
	Address        string    `json:"address"`
	Port           uint32    `json:"port"`
	Direction      Direction `json:"direction"`
	UseOriginalDst bool      `json:"useOriginalDst,omitempty"`
	Chains         []ChainIR `json:"chains"`
	Default        *ChainIR  `json:"default,omitempty"`
}

// ChainIR is one filter chain.
type ChainIR struct {
	Name string `json:"name"`
	// DestPort matches the original destination port (capture listeners).
	DestPort uint32 `json:"destPort,omitempty"`
	// TransportProtocol matches "tls" or "raw_buffer" (PERMISSIVE mTLS).
	TransportProtocol string `json:"transportProtocol,omitempty"`
	// SNI matches server names (gateway TLS servers).
	SNI []string `json:"sni,omitempty"`
	// TLS terminates TLS on this chain.
	TLS *ServerTLS `json:"tls,omitempty"`
	// HTTP is set for an HTTP connection manager chain.
	HTTP *HTTPChain `json:"http,omitempty"`
	// TCPCluster is set for a tcp_proxy chain; TCPWeighted splits it
	// (VirtualService tcp routes) instead.
	TCPCluster  string            `json:"tcpCluster,omitempty"`
	TCPWeighted []WeightedCluster `json:"tcpWeighted,omitempty"`
	// NetworkWasm are envoy.filters.network.wasm filters ahead of
	// tcp_proxy, in order.
	NetworkWasm []WasmFilterIR `json:"networkWasm,omitempty"`
	// AccessLog writes Envoy's default access log format to stdout
	// (Telemetry accessLogging).
	AccessLog bool `json:"accessLog,omitempty"`
}

// ServerTLS terminates TLS.
type ServerTLS struct {
	// Mesh: the workload's SPIFFE certificate from SDS "default", client
	// certificates verified with SDS "ROOTCA".
	Mesh bool `json:"mesh,omitempty"`
	// RequireClientCert asks for and verifies client certificates.
	RequireClientCert bool `json:"requireClientCert,omitempty"`
	// CertFile/KeyFile/CAFile for gateway servers with files.
	CertFile string `json:"certFile,omitempty"`
	KeyFile  string `json:"keyFile,omitempty"`
	CAFile   string `json:"caFile,omitempty"`
	// SDSName of the certificate (gateway credentialName).
	SDSName string   `json:"sdsName,omitempty"`
	ALPN    []string `json:"alpn,omitempty"`
	SANs    []string `json:"sans,omitempty"`
}

// HTTPChain is an HTTP connection manager.
type HTTPChain struct {
	StatPrefix string `json:"statPrefix"`
	// RouteName is the RDS name; empty when Inline is set.
	RouteName string        `json:"routeName,omitempty"`
	Inline    *RouteTableIR `json:"inline,omitempty"`
	// Filters before the router, in order.
	Filters []HTTPFilterIR `json:"filters,omitempty"`
	// Tracing from the Telemetry resource applying to the proxy.
	Tracing *TracingIR `json:"tracing,omitempty"`
}

// HTTPFilterIR is one HTTP filter before the router.
type HTTPFilterIR struct {
	// Name of the filter; for Wasm filters also the ECDS resource name.
	Name string `json:"name"`
	// ECDS: the filter's config comes from ECDS under Name.
	ECDS bool `json:"ecds,omitempty"`
	// JWT holds the RequestAuthentication rules for jwt_authn.
	JWT []JWTProviderIR `json:"jwt,omitempty"`
}

// JWTProviderIR is one accepted issuer.
type JWTProviderIR struct {
	Name string `json:"name"`
	// Cluster fetching the JWKS (remote jwksUri).
	Cluster string      `json:"cluster,omitempty"`
	Rule    api.JWTRule `json:"rule"`
}

// RouteTableIR is one RouteConfiguration.
type RouteTableIR struct {
	Name   string    `json:"name"`
	VHosts []VHostIR `json:"vhosts"`
}

// VHostIR is one virtual host.
type VHostIR struct {
	Name    string    `json:"name"`
	Domains []string  `json:"domains"`
	Routes  []RouteIR `json:"routes"`
}

// RouteIR is one route: a VirtualService HTTP route with its destinations
// resolved to clusters, or a default route.
type RouteIR struct {
	Name  string                `json:"name"`
	Match *api.HTTPMatchRequest `json:"match,omitempty"`
	// HTTP is the source rule (nil for default routes).
	HTTP *api.HTTPRoute `json:"-"`
	// Clusters with weights (sum 100 when several).
	Clusters []WeightedCluster `json:"clusters,omitempty"`
	// Mirrors resolved to clusters with percentages.
	Mirrors []MirrorIR `json:"mirrors,omitempty"`
	// Direct answers with a fixed status (no route, blocked hosts).
	Direct uint32 `json:"direct,omitempty"`
	// Hash is the consistent-hash key of the destination's
	// DestinationRule (ring hash clusters).
	Hash *api.ConsistentHashLB `json:"hash,omitempty"`
}

// WeightedCluster is a route destination.
type WeightedCluster struct {
	Cluster string       `json:"cluster"`
	Weight  uint32       `json:"weight"`
	Headers *api.Headers `json:"headers,omitempty"`
}

// MirrorIR is a mirror destination.
type MirrorIR struct {
	Cluster string  `json:"cluster"`
	Percent float64 `json:"percent"`
}

// ClusterKind is how a cluster finds its endpoints.
type ClusterKind string

// Cluster kinds (Envoy's discovery types).
const (
	ClusterEDS         ClusterKind = "EDS"
	ClusterStatic      ClusterKind = "STATIC"
	ClusterStrictDNS   ClusterKind = "STRICT_DNS"
	ClusterOriginalDst ClusterKind = "ORIGINAL_DST"
)

// ClusterIR is one cluster and, for EDS, its endpoints.
type ClusterIR struct {
	Name     string       `json:"name"`
	Kind     ClusterKind  `json:"kind"`
	Hostname string       `json:"hostname,omitempty"`
	Port     uint32       `json:"port,omitempty"`
	Subset   string       `json:"subset,omitempty"`
	Protocol api.Protocol `json:"protocol,omitempty"`
	// Policy is the effective traffic policy (subset and port level merged).
	Policy    *api.TrafficPolicy `json:"policy,omitempty"`
	Endpoints []EndpointIR       `json:"endpoints"`
	// TLS towards the endpoints.
	TLS *ClientTLS `json:"tls,omitempty"`
}

// EndpointIR is one upstream host.
type EndpointIR struct {
	Address  string `json:"address"`
	Port     uint32 `json:"port"`
	Weight   uint32 `json:"weight,omitempty"`
	Locality string `json:"locality,omitempty"`
}

// ClientTLS originates TLS.
type ClientTLS struct {
	// Mesh: ISTIO_MUTUAL with SDS "default" and "ROOTCA".
	Mesh     bool     `json:"mesh,omitempty"`
	SNI      string   `json:"sni,omitempty"`
	SANs     []string `json:"sans,omitempty"`
	CertFile string   `json:"certFile,omitempty"`
	KeyFile  string   `json:"keyFile,omitempty"`
	CAFile   string   `json:"caFile,omitempty"`
	ALPN     []string `json:"alpn,omitempty"`
}

// WasmFilterIR is a WasmPlugin resolved for ECDS.
type WasmFilterIR struct {
	// Name is the ECDS resource name ("namespace.plugin").
	Name     string          `json:"name"`
	Phase    api.PluginPhase `json:"phase"`
	Priority int32           `json:"priority"`
	// URL proxies fetch the module from, and its SHA256.
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	// RootID is the plugin name inside the module.
	RootID   string             `json:"rootId,omitempty"`
	Config   map[string]any     `json:"config,omitempty"`
	FailOpen bool               `json:"failOpen,omitempty"`
	Env      map[string]string  `json:"env,omitempty"`
	Modes    []api.WorkloadMode `json:"modes,omitempty"`
	Ports    []uint32           `json:"ports,omitempty"`
	// Cluster is the cluster Envoy fetches the module through.
	Cluster string `json:"cluster"`
	// Unavailable: the module cannot be served yet and the plugin fails
	// closed, so its ECDS resource is a deny-all RBAC filter.
	Unavailable bool `json:"unavailable,omitempty"`
}

// SecretIR is a credential served over SDS (gateway credentialName).
type SecretIR struct {
	Name string `json:"name"`
	// PEM data; CA only for validation contexts.
	Cert string `json:"-"`
	Key  string `json:"-"`
	CA   string `json:"-"`
}
