package config

import (
	"fmt"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	httpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
)

const httpProtocolOptionsKey = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"

// TranslateCluster translates one CDS cluster.
func TranslateCluster(c *clusterv3.Cluster) (*Cluster, error) {
	out, err := cluster(c)
	return out, wrap("cluster", c.GetName(), err)
}

func cluster(c *clusterv3.Cluster) (*Cluster, error) {
	if err := onlyFields(c, "name", "alt_stat_name", "type", "eds_cluster_config", "connect_timeout", "lb_policy",
		"load_assignment", "health_checks", "circuit_breakers", "typed_extension_protocol_options",
		"http2_protocol_options", "common_http_protocol_options", "protocol_selection", "outlier_detection",
		"transport_socket", "ring_hash_lb_config", "least_request_lb_config", "round_robin_lb_config",
		"common_lb_config", "dns_refresh_rate", "dns_lookup_family", "respect_dns_ttl", "metadata",
		"max_requests_per_connection", "per_connection_buffer_limit_bytes", "cleanup_interval", "original_dst_lb_config"); err != nil {
		return nil, err
	}
	if c.GetName() == "" {
		return nil, invalid("name", "empty")
	}
	out := &Cluster{Name: c.GetName(), ConnectTimeout: dur(c.GetConnectTimeout()),
		DNSRefresh: dur(c.GetDnsRefreshRate()), RingMinSize: defaultRingMinSize,
		LeastRequestPick: 2, MaxRequestsPerConn: int(c.GetMaxRequestsPerConnection().GetValue())} //nolint:staticcheck
	if out.ConnectTimeout == 0 {
		out.ConnectTimeout = defaultConnectTimeout
	}
	if out.DNSRefresh == 0 {
		out.DNSRefresh = defaultDNSRefresh
	}
	switch c.GetType() {
	case clusterv3.Cluster_STATIC:
		out.Type = ClusterStatic
	case clusterv3.Cluster_STRICT_DNS, clusterv3.Cluster_LOGICAL_DNS:
		out.Type = ClusterStrictDNS
	case clusterv3.Cluster_EDS:
		out.Type = ClusterEDS
		out.EDSServiceName = c.GetEdsClusterConfig().GetServiceName()
		if out.EDSServiceName == "" {
			out.EDSServiceName = c.GetName()
		}
	case clusterv3.Cluster_ORIGINAL_DST:
		if err := originalDst(c, out); err != nil {
			return nil, err
		}
	default:
		return nil, unsupported("type", "%v", c.GetType())
	}
	if c.GetClusterType() != nil {
		return nil, unsupported("cluster_type", "custom cluster types")
	}
	if la := c.GetLoadAssignment(); la != nil && out.Type != ClusterOriginalDst {
		if out.Type == ClusterEDS {
			return nil, invalid("load_assignment", "set on an EDS cluster")
		}
		e, err := endpoints(la, out.Type == ClusterStrictDNS)
		if err != nil {
			return nil, at("load_assignment", err)
		}
		out.Endpoints = e
	} else if out.Type != ClusterEDS && out.Type != ClusterOriginalDst {
		return nil, invalid("load_assignment", "missing for a %v cluster", c.GetType())
	}
	switch c.GetLbPolicy() {
	case clusterv3.Cluster_CLUSTER_PROVIDED:
		if out.Type != ClusterOriginalDst {
			return nil, unsupported("lb_policy", "CLUSTER_PROVIDED outside an ORIGINAL_DST cluster")
		}
	case clusterv3.Cluster_ROUND_ROBIN:
		out.LB = LBRoundRobin
	case clusterv3.Cluster_LEAST_REQUEST:
		out.LB = LBLeastRequest
		if n := c.GetLeastRequestLbConfig().GetChoiceCount(); n != nil {
			out.LeastRequestPick = int(n.GetValue())
		}
	case clusterv3.Cluster_RANDOM:
		out.LB = LBRandom
	case clusterv3.Cluster_RING_HASH:
		out.LB = LBRingHash
		if n := c.GetRingHashLbConfig().GetMinimumRingSize(); n != nil {
			out.RingMinSize = n.GetValue()
		}
	default:
		return nil, unsupported("lb_policy", "%v", c.GetLbPolicy())
	}
	if err := onlyFields(c.GetCommonLbConfig(), "locality_weighted_lb_config", "healthy_panic_threshold"); err != nil {
		return nil, at("common_lb_config", err)
	}
	for i, t := range c.GetCircuitBreakers().GetThresholds() {
		if t.GetPriority() != corev3.RoutingPriority_DEFAULT {
			continue // only the default priority is used by meshproxy's routes
		}
		if err := onlyFields(t, "priority", "max_connections", "max_pending_requests", "max_requests", "max_retries", "track_remaining"); err != nil {
			return nil, at(fmt.Sprintf("circuit_breakers.thresholds[%d]", i), err)
		}
		out.Limits = Limits{
			MaxConnections:     u32or(t.GetMaxConnections().GetValue(), t.GetMaxConnections() != nil),
			MaxPendingRequests: u32or(t.GetMaxPendingRequests().GetValue(), t.GetMaxPendingRequests() != nil),
			MaxRequests:        u32or(t.GetMaxRequests().GetValue(), t.GetMaxRequests() != nil),
			MaxRetries:         u32or(t.GetMaxRetries().GetValue(), t.GetMaxRetries() != nil),
		}
	}
	if out.Limits == (Limits{}) {
		out.Limits = Limits{1024, 1024, 1024, 3}
	}
	if od := c.GetOutlierDetection(); od != nil {
		o, err := outlier(od)
		if err != nil {
			return nil, at("outlier_detection", err)
		}
		out.Outlier = o
	}
	for i, hc := range c.GetHealthChecks() {
		h, err := healthCheck(hc)
		if err != nil {
			return nil, at(fmt.Sprintf("health_checks[%d]", i), err)
		}
		out.HealthChecks = append(out.HealthChecks, *h)
	}
	if err := protocolOptions(c, out); err != nil {
		return nil, err
	}
	if ts := c.GetTransportSocket(); ts != nil {
		t, err := upstreamTLS(ts)
		if err != nil {
			return nil, at("transport_socket", err)
		}
		out.TLS = t
	}
	return out, nil
}

// u32or returns v, or "unlimited" when an explicit 0 would mean "never" in Envoy (kept as 0 = no capacity).
func u32or(v uint32, set bool) int {
	if !set {
		return 1024
	}
	return int(v)
}

func protocolOptions(c *clusterv3.Cluster, out *Cluster) error {
	if c.GetHttp2ProtocolOptions() != nil { //nolint:staticcheck
		out.Protocol = UpstreamHTTP2
	}
	if c.GetProtocolSelection() == clusterv3.Cluster_USE_DOWNSTREAM_PROTOCOL {
		out.Protocol = UpstreamDownstream
	}
	if o := c.GetCommonHttpProtocolOptions(); o != nil { //nolint:staticcheck
		if err := commonHTTP(o, out); err != nil {
			return at("common_http_protocol_options", err)
		}
	}
	for k, v := range c.GetTypedExtensionProtocolOptions() {
		f := "typed_extension_protocol_options[" + k + "]"
		if k != httpProtocolOptionsKey {
			return unsupported(f, "protocol options %q", k)
		}
		var o httpv3.HttpProtocolOptions
		if err := v.UnmarshalTo(&o); err != nil {
			return invalid(f, "%v", err)
		}
		if err := onlyFields(&o, "common_http_protocol_options", "explicit_http_config", "use_downstream_protocol_config", "auto_config"); err != nil {
			return at(f, err)
		}
		switch {
		case o.GetExplicitHttpConfig().GetHttp2ProtocolOptions() != nil:
			out.Protocol = UpstreamHTTP2
		case o.GetExplicitHttpConfig().GetHttp3ProtocolOptions() != nil:
			return unsupported(f+".explicit_http_config.http3_protocol_options", "HTTP/3")
		case o.GetUseDownstreamProtocolConfig() != nil:
			out.Protocol = UpstreamDownstream
		case o.GetAutoConfig() != nil:
			out.Protocol = UpstreamDownstream
		}
		if o.GetCommonHttpProtocolOptions() != nil {
			if err := commonHTTP(o.GetCommonHttpProtocolOptions(), out); err != nil {
				return at(f+".common_http_protocol_options", err)
			}
		}
	}
	return nil
}

func commonHTTP(o *corev3.HttpProtocolOptions, out *Cluster) error {
	if err := onlyFields(o, "idle_timeout", "max_requests_per_connection", "max_connection_duration"); err != nil {
		return err
	}
	out.IdleTimeout = dur(o.GetIdleTimeout())
	if o.GetMaxRequestsPerConnection() != nil {
		out.MaxRequestsPerConn = int(o.GetMaxRequestsPerConnection().GetValue())
	}
	return nil
}

func outlier(od *clusterv3.OutlierDetection) (*OutlierDetection, error) {
	if err := onlyFields(od, "consecutive_5xx", "interval", "base_ejection_time", "max_ejection_percent",
		"enforcing_consecutive_5xx", "consecutive_gateway_failure", "enforcing_consecutive_gateway_failure",
		"max_ejection_time", "enforcing_success_rate", "split_external_local_origin_errors"); err != nil {
		return nil, err
	}
	o := &OutlierDetection{Consecutive5xx: 5, ConsecutiveGatewayFailure: 5, Interval: dur(od.GetInterval()),
		BaseEjectionTime: dur(od.GetBaseEjectionTime()), MaxEjectionTime: dur(od.GetMaxEjectionTime()),
		MaxEjectionPercent: 10, Enforcing5xx: 100, EnforcingGateway: 0}
	if v := od.GetConsecutive_5Xx(); v != nil {
		o.Consecutive5xx = int(v.GetValue())
	}
	if v := od.GetConsecutiveGatewayFailure(); v != nil {
		o.ConsecutiveGatewayFailure = int(v.GetValue())
	}
	if v := od.GetMaxEjectionPercent(); v != nil {
		o.MaxEjectionPercent = int(v.GetValue())
	}
	if v := od.GetEnforcingConsecutive_5Xx(); v != nil {
		o.Enforcing5xx = int(v.GetValue())
	}
	if v := od.GetEnforcingConsecutiveGatewayFailure(); v != nil {
		o.EnforcingGateway = int(v.GetValue())
	}
	if o.Interval == 0 {
		o.Interval = 10e9
	}
	if o.BaseEjectionTime == 0 {
		o.BaseEjectionTime = 30e9
	}
	if o.MaxEjectionTime == 0 {
		o.MaxEjectionTime = 300e9
	}
	return o, nil
}

func healthCheck(hc *corev3.HealthCheck) (*HealthCheck, error) {
	if err := onlyFields(hc, "timeout", "interval", "unhealthy_threshold", "healthy_threshold", "http_health_check",
		"initial_jitter", "interval_jitter", "no_traffic_interval", "unhealthy_interval"); err != nil {
		return nil, err
	}
	h := hc.GetHttpHealthCheck()
	if h == nil {
		return nil, unsupported("health_checker", "only http_health_check")
	}
	if err := onlyFields(h, "host", "path", "expected_statuses"); err != nil {
		return nil, at("http_health_check", err)
	}
	out := &HealthCheck{Path: h.GetPath(), Host: h.GetHost(), Interval: dur(hc.GetInterval()), Timeout: dur(hc.GetTimeout()),
		UnhealthyThreshold: int(hc.GetUnhealthyThreshold().GetValue()), HealthyThreshold: int(hc.GetHealthyThreshold().GetValue())}
	if out.Path == "" {
		return nil, invalid("http_health_check.path", "empty")
	}
	if out.Interval <= 0 || out.Timeout <= 0 {
		return nil, invalid("interval", "interval and timeout must be > 0")
	}
	out.UnhealthyThreshold = max(out.UnhealthyThreshold, 1)
	out.HealthyThreshold = max(out.HealthyThreshold, 1)
	for _, r := range h.GetExpectedStatuses() {
		out.ExpectedStatuses = append(out.ExpectedStatuses, [2]int{int(r.GetStart()), int(r.GetEnd())})
	}
	return out, nil
}

func upstreamTLS(ts *corev3.TransportSocket) (*UpstreamTLS, error) {
	if ts.GetName() != TransportTLS && ts.GetTypedConfig().GetTypeUrl() != "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext" {
		return nil, unsupported("name", "transport socket %q", ts.GetName())
	}
	var c tlsv3.UpstreamTlsContext
	if err := ts.GetTypedConfig().UnmarshalTo(&c); err != nil {
		return nil, invalid("typed_config", "%v", err)
	}
	if err := onlyFields(&c, "common_tls_context", "sni"); err != nil {
		return nil, at("typed_config", err)
	}
	cert, val, sans, alpn, err := commonTLS("typed_config.common_tls_context", c.GetCommonTlsContext())
	if err != nil {
		return nil, err
	}
	return &UpstreamTLS{SNI: c.GetSni(), Cert: cert, Validation: val, MatchSANs: sans, ALPN: alpn}, nil
}
