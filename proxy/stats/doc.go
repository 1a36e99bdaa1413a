// Package stats keeps meshproxy's Envoy-style counters and gauges
// (cluster.<name>.upstream_rq_total, http.<prefix>.downstream_rq_2xx, ...)
// and renders them in Envoy's text format and the Prometheus text format.
package stats
