// Package netns holds the traffic-capture e2e: two network namespaces play
// two pods on a bridge joined to the host by veth pairs; in each, an
// unmodified Go HTTP app, the capture rules of `meshproxy iptables` and a
// meshproxy sidecar running as uid/gid 1337; meshd runs on the host. The
// apps talk by plain address and port, and the test checks that the traffic
// went through both sidecars with mTLS and the authz filter.
//
// The test needs root, iproute2 and iptables (CI has them). Every address is
// in 10.251.0.0/16, created by the test on its own veths and removed after.
package netns
