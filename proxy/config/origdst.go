package config

import (
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
)

const (
	defaultOrigDstHeader   = "x-envoy-original-dst-host"
	defaultCleanupInterval = 5e9
)

// originalDst reads the ORIGINAL_DST parts of a cluster (Envoy's passthrough):
// no hosts are configured, the load balancer must be CLUSTER_PROVIDED, and the
// host of each connection is its original destination (or, with
// use_http_header, the x-envoy-original-dst-host request header).
func originalDst(c *clusterv3.Cluster, out *Cluster) error {
	out.Type = ClusterOriginalDst
	if c.GetLbPolicy() != clusterv3.Cluster_CLUSTER_PROVIDED {
		return invalid("lb_policy", "%v on an ORIGINAL_DST cluster (want CLUSTER_PROVIDED)", c.GetLbPolicy())
	}
	if len(c.GetLoadAssignment().GetEndpoints()) > 0 {
		return invalid("load_assignment", "hosts set on an ORIGINAL_DST cluster")
	}
	if len(c.GetHealthChecks()) > 0 {
		return unsupported("health_checks", "on an ORIGINAL_DST cluster")
	}
	if c.GetOutlierDetection() != nil {
		return unsupported("outlier_detection", "on an ORIGINAL_DST cluster")
	}
	if o := c.GetOriginalDstLbConfig(); o != nil {
		if err := onlyFields(o, "use_http_header", "http_header_name"); err != nil {
			return at("original_dst_lb_config", err)
		}
		if o.GetUseHttpHeader() {
			out.OrigDstHeader = o.GetHttpHeaderName()
			if out.OrigDstHeader == "" {
				out.OrigDstHeader = defaultOrigDstHeader
			}
		}
	}
	out.CleanupInterval = dur(c.GetCleanupInterval())
	if out.CleanupInterval <= 0 {
		out.CleanupInterval = defaultCleanupInterval
	}
	return nil
}
