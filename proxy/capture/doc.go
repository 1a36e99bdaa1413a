// Package capture installs and removes the iptables rules that send a pod's
// traffic through its sidecar, as Istio's istio-iptables does in REDIRECT
// mode: inbound TCP to the proxy's inbound port (15006), outbound TCP to its
// outbound port (15001), except traffic of the proxy's own uid/gid and the
// ports and ranges the operator excluded. The proxy recovers the original
// destination with SO_ORIGINAL_DST.
//
// Rules is a pure function from Config to iptables-restore input; Apply and
// Remove run iptables-restore/iptables through a Runner, so the same code
// works inside a network namespace (`ip netns exec`).
package capture
