// Package cluster runs meshproxy's upstream clusters: host sets from STATIC,
// STRICT_DNS and EDS config or, for ORIGINAL_DST (passthrough) clusters,
// one host per original destination created on first use and dropped after
// cleanup_interval without traffic; load balancing (round robin, least request,
// random, ring hash; locality weights and priorities), circuit breakers,
// outlier detection, active HTTP health checks and the per-cluster
// connection pools (HTTP/1.1, HTTP/2 and h2c, upstream TLS and mTLS with
// SPIFFE SAN verification).
package cluster
