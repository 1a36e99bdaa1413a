// Package xdsclient is meshproxy's xDS client: one aggregated (ADS) gRPC stream to the control
// plane, in state-of-the-world or incremental (delta) mode, for listeners, routes, clusters,
// endpoints, secrets and extension configs (ECDS).
//
// The client hands each type's complete current resource set to a Handler (delta updates are
// merged first) and ACKs or NACKs the version with Envoy's nonce rules. Listeners and clusters
// are watched as wildcards; the other types by name through Subscribe. When the control plane
// is unreachable the Handler simply hears nothing and keeps its last accepted config; the
// client reconnects with jittered exponential backoff and re-sends every subscription, so the
// server resyncs it. Status reports, per type, the last ACKed version and the last NACK.
package xdsclient
