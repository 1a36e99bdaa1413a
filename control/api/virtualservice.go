package api

// VirtualService (networking.istio.io/v1) defines the routing rules for
// traffic addressed to a set of hosts.
type VirtualService struct {
	// Hosts the rules apply to: DNS names (with an optional "*." wildcard
	// prefix), short names, or "*".
	Hosts []string `json:"hosts,omitempty"`
	// Gateways the rules apply to ("ns/name" or "name"); "mesh" means all
	// sidecars. Empty means "mesh".
	Gateways []string `json:"gateways,omitempty"`
	// HTTP routes, evaluated in order; the first match wins.
	HTTP []HTTPRoute `json:"http,omitempty"`
	// TLS routes for unterminated TLS/HTTPS traffic, matched by SNI.
	TLS []TLSRoute `json:"tls,omitempty"`
	// TCP routes for opaque TCP traffic.
	TCP []TCPRoute `json:"tcp,omitempty"`
	// ExportTo lists the namespaces that can see this VirtualService; "."
	// is the own namespace and "*" all namespaces.
	ExportTo []string `json:"exportTo,omitempty"`
}

// HTTPRoute is one HTTP routing rule.
type HTTPRoute struct {
	// Name of the route, used in logs and stats.
	Name string `json:"name,omitempty"`
	// Match conditions; any one must match (OR). Empty matches everything.
	Match []HTTPMatchRequest `json:"match,omitempty"`
	// Route lists weighted destinations.
	Route []HTTPRouteDestination `json:"route,omitempty"`
	// Redirect answers with an HTTP redirect instead of routing.
	Redirect *HTTPRedirect `json:"redirect,omitempty"`
	// DirectResponse answers with a fixed response instead of routing.
	DirectResponse *HTTPDirectResponse `json:"directResponse,omitempty"`
	// Delegate hands routing to another VirtualService.
	Delegate *Delegate `json:"delegate,omitempty"`
	// Rewrite rewrites the URI or authority before forwarding.
	Rewrite *HTTPRewrite `json:"rewrite,omitempty"`
	// Timeout for the whole request.
	Timeout *Duration `json:"timeout,omitempty"`
	// Retries policy.
	Retries *HTTPRetry `json:"retries,omitempty"`
	// Fault injection (delays, aborts).
	Fault *HTTPFaultInjection `json:"fault,omitempty"`
	// Mirror copies traffic to another destination (fire and forget).
	Mirror *Destination `json:"mirror,omitempty"`
	// Mirrors copies traffic to several destinations.
	Mirrors []HTTPMirrorPolicy `json:"mirrors,omitempty"`
	// MirrorPercent is deprecated: use MirrorPercentage.
	MirrorPercent *uint32 `json:"mirrorPercent,omitempty"`
	// MirrorPercentage of requests mirrored (0-100); default 100.
	MirrorPercentage *Percent `json:"mirrorPercentage,omitempty"`
	// CorsPolicy for cross-origin requests.
	CorsPolicy *CorsPolicy `json:"corsPolicy,omitempty"`
	// Headers manipulation for all destinations of this route.
	Headers *Headers `json:"headers,omitempty"`
}

// HTTPMatchRequest is a set of conditions that must all hold (AND).
type HTTPMatchRequest struct {
	// Name of the match, appended to the route name.
	Name string `json:"name,omitempty"`
	// URI match on the path.
	URI *StringMatch `json:"uri,omitempty"`
	// Scheme match ("http", "https").
	Scheme *StringMatch `json:"scheme,omitempty"`
	// Method match.
	Method *StringMatch `json:"method,omitempty"`
	// Authority (Host) match.
	Authority *StringMatch `json:"authority,omitempty"`
	// Headers that must match; keys are lower-case header names.
	Headers map[string]StringMatch `json:"headers,omitempty"`
	// Port the request was addressed to.
	Port uint32 `json:"port,omitempty"`
	// SourceLabels the calling workload must carry.
	SourceLabels map[string]string `json:"sourceLabels,omitempty"`
	// Gateways this match applies to (overrides the VirtualService's).
	Gateways []string `json:"gateways,omitempty"`
	// QueryParams that must match.
	QueryParams map[string]StringMatch `json:"queryParams,omitempty"`
	// IgnoreURICase makes the URI match case-insensitive.
	IgnoreURICase bool `json:"ignoreUriCase,omitempty"`
	// WithoutHeaders that must not match.
	WithoutHeaders map[string]StringMatch `json:"withoutHeaders,omitempty"`
	// SourceNamespace of the calling workload.
	SourceNamespace string `json:"sourceNamespace,omitempty"`
	// StatPrefix for this route's stats.
	StatPrefix string `json:"statPrefix,omitempty"`
}

// HTTPRouteDestination is a weighted destination of an HTTP route.
type HTTPRouteDestination struct {
	// Destination service.
	Destination Destination `json:"destination"`
	// Weight in percent (0-100); the weights of a route sum to 100. A single
	// destination with no weight receives all traffic.
	Weight int32 `json:"weight,omitempty"`
	// Headers manipulation for this destination.
	Headers *Headers `json:"headers,omitempty"`
}

// RouteDestination is a weighted destination of a TLS or TCP route.
type RouteDestination struct {
	// Destination service.
	Destination Destination `json:"destination"`
	// Weight in percent (0-100).
	Weight int32 `json:"weight,omitempty"`
}

// Destination names a service (and optionally a subset and port).
type Destination struct {
	// Host is the service host name from the registry.
	Host string `json:"host"`
	// Subset is a subset name from a DestinationRule.
	Subset string `json:"subset,omitempty"`
	// Port on the host; required when the service exposes several ports.
	Port *PortSelector `json:"port,omitempty"`
}

// Headers manipulates request and response headers.
type Headers struct {
	// Request header operations, applied before forwarding.
	Request *HeaderOperations `json:"request,omitempty"`
	// Response header operations, applied before returning.
	Response *HeaderOperations `json:"response,omitempty"`
}

// HeaderOperations sets, appends and removes headers.
type HeaderOperations struct {
	// Set overwrites headers.
	Set map[string]string `json:"set,omitempty"`
	// Add appends headers.
	Add map[string]string `json:"add,omitempty"`
	// Remove deletes headers.
	Remove []string `json:"remove,omitempty"`
}

// TLSRoute routes unterminated TLS traffic.
type TLSRoute struct {
	// Match conditions (required).
	Match []TLSMatchAttributes `json:"match"`
	// Route destinations.
	Route []RouteDestination `json:"route,omitempty"`
}

// TLSMatchAttributes matches TLS connections.
type TLSMatchAttributes struct {
	// SniHosts to match (required).
	SniHosts []string `json:"sniHosts"`
	// DestinationSubnets (CIDR or IP) to match.
	DestinationSubnets []string `json:"destinationSubnets,omitempty"`
	// Port to match.
	Port uint32 `json:"port,omitempty"`
	// SourceLabels the calling workload must carry.
	SourceLabels map[string]string `json:"sourceLabels,omitempty"`
	// Gateways this match applies to.
	Gateways []string `json:"gateways,omitempty"`
	// SourceNamespace of the calling workload.
	SourceNamespace string `json:"sourceNamespace,omitempty"`
}

// TCPRoute routes opaque TCP traffic.
type TCPRoute struct {
	// Match conditions.
	Match []L4MatchAttributes `json:"match,omitempty"`
	// Route destinations.
	Route []RouteDestination `json:"route,omitempty"`
}

// L4MatchAttributes matches TCP connections.
type L4MatchAttributes struct {
	// DestinationSubnets (CIDR or IP) to match.
	DestinationSubnets []string `json:"destinationSubnets,omitempty"`
	// Port to match.
	Port uint32 `json:"port,omitempty"`
	// SourceSubnet (CIDR or IP) to match.
	SourceSubnet string `json:"sourceSubnet,omitempty"`
	// SourceLabels the calling workload must carry.
	SourceLabels map[string]string `json:"sourceLabels,omitempty"`
	// Gateways this match applies to.
	Gateways []string `json:"gateways,omitempty"`
	// SourceNamespace of the calling workload.
	SourceNamespace string `json:"sourceNamespace,omitempty"`
}

// HTTPRedirect answers with a redirect.
type HTTPRedirect struct {
	// URI replaces the path.
	URI string `json:"uri,omitempty"`
	// Authority replaces the host.
	Authority string `json:"authority,omitempty"`
	// Port replaces the port.
	Port uint32 `json:"port,omitempty"`
	// DerivePort derives the port: FROM_PROTOCOL_DEFAULT or FROM_REQUEST_PORT.
	DerivePort RedirectPortSelection `json:"derivePort,omitempty"`
	// Scheme replaces the scheme.
	Scheme string `json:"scheme,omitempty"`
	// RedirectCode is the status code (default 301).
	RedirectCode uint32 `json:"redirectCode,omitempty"`
	// PrefixRewrite replaces the matched prefix of the path.
	PrefixRewrite string `json:"prefixRewrite,omitempty"`
}

// RedirectPortSelection chooses the port of a redirect.
type RedirectPortSelection string

// Values lists the accepted selections.
func (RedirectPortSelection) Values() []string {
	return []string{"FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"}
}

// HTTPDirectResponse answers with a fixed response.
type HTTPDirectResponse struct {
	// Status code (200-599).
	Status uint32 `json:"status"`
	// Body of the response.
	Body *HTTPBody `json:"body,omitempty"`
}

// HTTPBody is a response body; set one field.
type HTTPBody struct {
	// String body.
	String string `json:"string,omitempty"`
	// Bytes body (base64 in YAML/JSON).
	Bytes []byte `json:"bytes,omitempty"`
}

// Delegate names a VirtualService routing is delegated to.
type Delegate struct {
	// Name of the delegate VirtualService.
	Name string `json:"name"`
	// Namespace of the delegate; defaults to this one.
	Namespace string `json:"namespace,omitempty"`
}

// HTTPRewrite rewrites a request before forwarding.
type HTTPRewrite struct {
	// URI replaces the matched part of the path (prefix or exact match).
	URI string `json:"uri,omitempty"`
	// Authority replaces the Host header.
	Authority string `json:"authority,omitempty"`
	// URIRegexRewrite rewrites the path with an RE2 regex.
	URIRegexRewrite *RegexRewrite `json:"uriRegexRewrite,omitempty"`
}

// RegexRewrite replaces the matches of an RE2 regex.
type RegexRewrite struct {
	// Match is the RE2 regex.
	Match string `json:"match"`
	// Rewrite is the replacement; \1 refers to capture groups.
	Rewrite string `json:"rewrite"`
}

// HTTPRetry is a retry policy.
type HTTPRetry struct {
	// Attempts is the number of retries (0 disables retries).
	Attempts int32 `json:"attempts,omitempty"`
	// PerTryTimeout bounds each attempt.
	PerTryTimeout *Duration `json:"perTryTimeout,omitempty"`
	// RetryOn lists conditions (Envoy's x-envoy-retry-on and gRPC status
	// names), comma-separated.
	RetryOn string `json:"retryOn,omitempty"`
	// RetryRemoteLocalities allows retries in other localities.
	RetryRemoteLocalities *bool `json:"retryRemoteLocalities,omitempty"`
	// RetryIgnorePreviousHosts avoids retrying on the same host.
	RetryIgnorePreviousHosts *bool `json:"retryIgnorePreviousHosts,omitempty"`
	// Backoff is the base interval between retries.
	Backoff *Duration `json:"backoff,omitempty"`
}

// HTTPFaultInjection injects delays and aborts.
type HTTPFaultInjection struct {
	// Delay requests.
	Delay *FaultDelay `json:"delay,omitempty"`
	// Abort requests.
	Abort *FaultAbort `json:"abort,omitempty"`
}

// FaultDelay delays a percentage of requests.
type FaultDelay struct {
	// FixedDelay before forwarding.
	FixedDelay *Duration `json:"fixedDelay,omitempty"`
	// ExponentialDelay (not supported by Envoy; accepted for compatibility).
	ExponentialDelay *Duration `json:"exponentialDelay,omitempty"`
	// Percentage of requests delayed (0-100).
	Percentage *Percent `json:"percentage,omitempty"`
	// Percent is deprecated: use Percentage.
	Percent int32 `json:"percent,omitempty"`
}

// FaultAbort aborts a percentage of requests.
type FaultAbort struct {
	// HTTPStatus to return (200-599).
	HTTPStatus int32 `json:"httpStatus,omitempty"`
	// GrpcStatus to return, e.g. "UNAVAILABLE".
	GrpcStatus string `json:"grpcStatus,omitempty"`
	// HTTP2Error to return.
	HTTP2Error string `json:"http2Error,omitempty"`
	// Percentage of requests aborted (0-100).
	Percentage *Percent `json:"percentage,omitempty"`
}

// HTTPMirrorPolicy mirrors traffic to one destination.
type HTTPMirrorPolicy struct {
	// Destination receiving the copies.
	Destination Destination `json:"destination"`
	// Percentage of requests mirrored (0-100).
	Percentage *Percent `json:"percentage,omitempty"`
}

// CorsPolicy is a cross-origin resource sharing policy.
type CorsPolicy struct {
	// AllowOrigin is deprecated: use AllowOrigins.
	AllowOrigin []string `json:"allowOrigin,omitempty"`
	// AllowOrigins that may make requests.
	AllowOrigins []StringMatch `json:"allowOrigins,omitempty"`
	// AllowMethods for Access-Control-Allow-Methods.
	AllowMethods []string `json:"allowMethods,omitempty"`
	// AllowHeaders for Access-Control-Allow-Headers.
	AllowHeaders []string `json:"allowHeaders,omitempty"`
	// ExposeHeaders for Access-Control-Expose-Headers.
	ExposeHeaders []string `json:"exposeHeaders,omitempty"`
	// MaxAge for Access-Control-Max-Age.
	MaxAge *Duration `json:"maxAge,omitempty"`
	// AllowCredentials for Access-Control-Allow-Credentials.
	AllowCredentials *bool `json:"allowCredentials,omitempty"`
	// UnmatchedPreflights: FORWARD (default) or IGNORE.
	UnmatchedPreflights UnmatchedPreflights `json:"unmatchedPreflights,omitempty"`
}

// UnmatchedPreflights chooses what happens to preflights that match no origin.
type UnmatchedPreflights string

// Values lists the accepted choices.
func (UnmatchedPreflights) Values() []string {
	return []string{"UNSPECIFIED", "FORWARD", "IGNORE"}
}
