// Package cluster runs meshproxy's upstream clusters: host sets from STATIC,
// STRICT_DNS and EDS config or, for ORIGINAL_DST (passthrough) clusters,
// one host per original destination created on first use and dropped after
// cleanup_interval without traffic; load balancing (round robin, least request,
// random, ring hash; locality weights and priorities), circuit breakers,
// outlier detection, active HTTP health checks and the per-cluster
// connection pools (HTTP/1.1, HTTP/2 and h2c, upstream TLS and mTLS with
// SPIFFE SAN verification).
//
// Plaintext HTTP/1.1 goes through a synchronous pool of its own (h1pool.go):
// requests are written and responses parsed by hand into reused buffers,
// with RFC 9112 body framing; a response whose framing could be read two
// ways (Content-Length with Transfer-Encoding, conflicting lengths, codings
// other than chunked) is refused. Cancellation costs a connection deadline;
// only an exchange still waiting after 20 ms registers with its context.
package cluster
