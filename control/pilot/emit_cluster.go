package pilot

import (
	"sort"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	httpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/wasmesh/wasmesh/control/api"
)

const httpProtocolOptionsKey = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"

// emitCluster returns the cluster and, for EDS clusters, its endpoints.
func emitCluster(c *ClusterIR) (*clusterv3.Cluster, *endpointv3.ClusterLoadAssignment) {
	out := &clusterv3.Cluster{Name: c.Name, ConnectTimeout: seconds(defaultConnect), LbPolicy: clusterv3.Cluster_ROUND_ROBIN}
	cla := emitEndpoints(c)
	var eds *endpointv3.ClusterLoadAssignment
	switch c.Kind {
	case ClusterEDS:
		out.ClusterDiscoveryType = &clusterv3.Cluster_Type{Type: clusterv3.Cluster_EDS}
		out.EdsClusterConfig = &clusterv3.Cluster_EdsClusterConfig{EdsConfig: adsSource(), ServiceName: c.Name}
		eds = cla
	case ClusterStrictDNS:
		out.ClusterDiscoveryType = &clusterv3.Cluster_Type{Type: clusterv3.Cluster_STRICT_DNS}
		out.LoadAssignment = cla
	case ClusterOriginalDst:
		out.ClusterDiscoveryType = &clusterv3.Cluster_Type{Type: clusterv3.Cluster_ORIGINAL_DST}
		out.LbPolicy = clusterv3.Cluster_CLUSTER_PROVIDED
	default:
		out.ClusterDiscoveryType = &clusterv3.Cluster_Type{Type: clusterv3.Cluster_STATIC}
		out.LoadAssignment = cla
	}
	var opts *httpv3.HttpProtocolOptions
	if c.Protocol == api.ProtocolGRPC || c.Protocol == api.ProtocolHTTP2 {
		opts = &httpv3.HttpProtocolOptions{UpstreamProtocolOptions: &httpv3.HttpProtocolOptions_ExplicitHttpConfig_{
			ExplicitHttpConfig: &httpv3.HttpProtocolOptions_ExplicitHttpConfig{ProtocolConfig: &httpv3.HttpProtocolOptions_ExplicitHttpConfig_Http2ProtocolOptions{
				Http2ProtocolOptions: &corev3.Http2ProtocolOptions{}}}}}
	}
	if p := c.Policy; p != nil {
		applyLB(out, p.LoadBalancer)
		opts = applyConnectionPool(out, p.ConnectionPool, opts)
		applyOutlier(out, p.OutlierDetection)
	}
	if opts != nil {
		out.TypedExtensionProtocolOptions = map[string]*anypb.Any{httpProtocolOptionsKey: mustAny(opts)}
	}
	if t := c.TLS; t != nil {
		ctx := &tlsv3.UpstreamTlsContext{Sni: t.SNI, CommonTlsContext: commonTLS(t.Mesh, t.CertFile, t.KeyFile, t.CAFile, "", t.SANs, t.ALPN, true)}
		out.TransportSocket = &corev3.TransportSocket{Name: TransportTLS, ConfigType: &corev3.TransportSocket_TypedConfig{TypedConfig: mustAny(ctx)}}
	}
	return out, eds
}

func emitEndpoints(c *ClusterIR) *endpointv3.ClusterLoadAssignment {
	cla := &endpointv3.ClusterLoadAssignment{ClusterName: c.Name}
	byLocality := map[string][]*endpointv3.LbEndpoint{}
	for _, e := range c.Endpoints {
		lb := &endpointv3.LbEndpoint{HostIdentifier: &endpointv3.LbEndpoint_Endpoint{Endpoint: &endpointv3.Endpoint{Address: socketAddress(e.Address, e.Port)}}}
		if e.Weight > 0 {
			lb.LoadBalancingWeight = wrapperspb.UInt32(e.Weight)
		}
		byLocality[e.Locality] = append(byLocality[e.Locality], lb)
	}
	locs := make([]string, 0, len(byLocality))
	for l := range byLocality {
		locs = append(locs, l)
	}
	sort.Strings(locs)
	for _, l := range locs {
		lle := &endpointv3.LocalityLbEndpoints{LbEndpoints: byLocality[l]}
		if l != "" {
			region, rest, _ := cutSlash(l)
			zone, sub, _ := cutSlash(rest)
			lle.Locality = &corev3.Locality{Region: region, Zone: zone, SubZone: sub}
		}
		cla.Endpoints = append(cla.Endpoints, lle)
	}
	return cla
}

func cutSlash(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func applyLB(out *clusterv3.Cluster, lb *api.LoadBalancerSettings) {
	if lb == nil {
		return
	}
	switch lb.Simple {
	case api.SimpleLBLeastConn, api.SimpleLBLeastRequest:
		out.LbPolicy = clusterv3.Cluster_LEAST_REQUEST
	case api.SimpleLBRandom:
		out.LbPolicy = clusterv3.Cluster_RANDOM
	}
	if ch := lb.ConsistentHash; ch != nil {
		out.LbPolicy = clusterv3.Cluster_RING_HASH
		size := ch.MinimumRingSize
		if ch.RingHash != nil && ch.RingHash.MinimumRingSize > 0 {
			size = ch.RingHash.MinimumRingSize
		}
		if size > 0 {
			out.LbConfig = &clusterv3.Cluster_RingHashLbConfig_{RingHashLbConfig: &clusterv3.Cluster_RingHashLbConfig{MinimumRingSize: wrapperspb.UInt64(size)}}
		}
	}
}

// applyConnectionPool maps Istio's connection pool settings to circuit
// breaker thresholds and HTTP protocol options.
func applyConnectionPool(out *clusterv3.Cluster, cp *api.ConnectionPoolSettings, opts *httpv3.HttpProtocolOptions) *httpv3.HttpProtocolOptions {
	if cp == nil {
		return opts
	}
	th := &clusterv3.CircuitBreakers_Thresholds{}
	if t := cp.TCP; t != nil {
		if t.MaxConnections > 0 {
			th.MaxConnections = u32(t.MaxConnections)
		}
		if t.ConnectTimeout != nil {
			out.ConnectTimeout = durationpb.New(t.ConnectTimeout.Duration)
		}
	}
	if h := cp.HTTP; h != nil {
		if h.HTTP1MaxPendingRequests > 0 {
			th.MaxPendingRequests = u32(h.HTTP1MaxPendingRequests)
		}
		if h.HTTP2MaxRequests > 0 {
			th.MaxRequests = u32(h.HTTP2MaxRequests)
		}
		if h.MaxRetries > 0 {
			th.MaxRetries = u32(h.MaxRetries)
		}
		if h.IdleTimeout != nil || h.MaxRequestsPerConnection > 0 || h.H2UpgradePolicy == "UPGRADE" {
			if opts == nil {
				opts = &httpv3.HttpProtocolOptions{UpstreamProtocolOptions: &httpv3.HttpProtocolOptions_ExplicitHttpConfig_{
					ExplicitHttpConfig: &httpv3.HttpProtocolOptions_ExplicitHttpConfig{ProtocolConfig: &httpv3.HttpProtocolOptions_ExplicitHttpConfig_HttpProtocolOptions{
						HttpProtocolOptions: &corev3.Http1ProtocolOptions{}}}}}
			}
			if h.H2UpgradePolicy == "UPGRADE" {
				opts.UpstreamProtocolOptions = &httpv3.HttpProtocolOptions_ExplicitHttpConfig_{ExplicitHttpConfig: &httpv3.HttpProtocolOptions_ExplicitHttpConfig{
					ProtocolConfig: &httpv3.HttpProtocolOptions_ExplicitHttpConfig_Http2ProtocolOptions{Http2ProtocolOptions: &corev3.Http2ProtocolOptions{}}}}
			}
			common := &corev3.HttpProtocolOptions{}
			if h.IdleTimeout != nil {
				common.IdleTimeout = durationpb.New(h.IdleTimeout.Duration)
			}
			if h.MaxRequestsPerConnection > 0 {
				common.MaxRequestsPerConnection = u32(h.MaxRequestsPerConnection)
			}
			opts.CommonHttpProtocolOptions = common
		}
	}
	if th.MaxConnections != nil || th.MaxPendingRequests != nil || th.MaxRequests != nil || th.MaxRetries != nil {
		out.CircuitBreakers = &clusterv3.CircuitBreakers{Thresholds: []*clusterv3.CircuitBreakers_Thresholds{th}}
	}
	return opts
}

// applyOutlier maps Istio's outlier detection: only the error kinds the
// user set are enforced.
func applyOutlier(out *clusterv3.Cluster, od *api.OutlierDetection) {
	if od == nil {
		return
	}
	o := &clusterv3.OutlierDetection{EnforcingConsecutive_5Xx: wrapperspb.UInt32(0), EnforcingSuccessRate: wrapperspb.UInt32(0)}
	c5 := od.Consecutive5xxErrors
	if c5 == nil && od.ConsecutiveErrors > 0 {
		v := uint32(od.ConsecutiveErrors)
		c5 = &v
	}
	if c5 != nil && *c5 > 0 {
		o.Consecutive_5Xx, o.EnforcingConsecutive_5Xx = wrapperspb.UInt32(*c5), wrapperspb.UInt32(100)
	}
	if g := od.ConsecutiveGatewayErrors; g != nil && *g > 0 {
		o.ConsecutiveGatewayFailure, o.EnforcingConsecutiveGatewayFailure = wrapperspb.UInt32(*g), wrapperspb.UInt32(100)
	}
	if od.Interval != nil {
		o.Interval = durationpb.New(od.Interval.Duration)
	}
	if od.BaseEjectionTime != nil {
		o.BaseEjectionTime = durationpb.New(od.BaseEjectionTime.Duration)
	}
	if od.MaxEjectionPercent > 0 {
		o.MaxEjectionPercent = u32(od.MaxEjectionPercent)
	}
	if od.SplitExternalLocalOriginErrors {
		o.SplitExternalLocalOriginErrors = true
	}
	out.OutlierDetection = o
}
