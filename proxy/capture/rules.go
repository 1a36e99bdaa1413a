package capture

import (
	"fmt"
	"net/netip"
	"strings"
)

// Chain names, Istio's, so operators' muscle memory (iptables-save | grep ISTIO) works.
const (
	chainInbound    = "ISTIO_INBOUND"
	chainInRedirect = "ISTIO_IN_REDIRECT"
	chainOutput     = "ISTIO_OUTPUT"
	chainRedirect   = "ISTIO_REDIRECT"
)

// Chains lists the chains Rules creates, in the nat table.
var Chains = []string{chainInbound, chainInRedirect, chainOutput, chainRedirect}

// Rules returns the iptables-restore input (nat table) for cfg, for IPv4
// (v6=false) or IPv6. It is deterministic: the same Config gives the same
// text, so it is golden-tested.
func Rules(cfg Config, v6 bool) (string, error) {
	if err := cfg.Validate(); err != nil {
		return "", err
	}
	loopback := "127.0.0.1/32"
	innerIP := "127.0.0.6/32" // the proxy's source for inbound passthrough
	if v6 {
		loopback, innerIP = "::1/128", "::6/128"
	}
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("*nat")
	for _, c := range Chains {
		w(":%s - [0:0]", c)
	}
	w("-A %s -p tcp -j REDIRECT --to-ports %d", chainInRedirect, cfg.InboundPort)
	w("-A %s -p tcp -j REDIRECT --to-ports %d", chainRedirect, cfg.OutboundPort)

	// Inbound.
	if len(cfg.InboundPorts) > 0 {
		w("-A PREROUTING -p tcp -j %s", chainInbound)
		if cfg.InboundPorts[0] == "*" {
			for _, p := range cfg.ExcludeInboundPorts {
				w("-A %s -p tcp --dport %d -j RETURN", chainInbound, p)
			}
			w("-A %s -p tcp -j %s", chainInbound, chainInRedirect)
		} else {
			for _, p := range cfg.InboundPorts {
				w("-A %s -p tcp --dport %s -j %s", chainInbound, p, chainInRedirect)
			}
		}
	}

	// Outbound.
	w("-A OUTPUT -p tcp -j %s", chainOutput)
	w("-A %s -s %s -o lo -j RETURN", chainOutput, innerIP)
	// The proxy talking to its own pod's address over lo is inbound traffic.
	for _, owner := range owners(cfg) {
		w("-A %s ! -d %s -o lo -m owner %s -j %s", chainOutput, loopback, owner, chainInRedirect)
		w("-A %s -o lo -m owner ! %s -j RETURN", chainOutput, owner)
		w("-A %s -m owner %s -j RETURN", chainOutput, owner)
	}
	w("-A %s -d %s -j RETURN", chainOutput, loopback)
	for _, p := range cfg.ExcludeOutboundPorts {
		w("-A %s -p tcp --dport %d -j RETURN", chainOutput, p)
	}
	for _, r := range cfg.ExcludeOutboundRanges {
		if r.Addr().Is6() == v6 {
			w("-A %s -d %s -j RETURN", chainOutput, r.Masked())
		}
	}
	for _, p := range cfg.OutboundPorts {
		w("-A %s -p tcp --dport %d -j %s", chainOutput, p, chainRedirect)
	}
	for _, r := range cfg.OutboundRanges {
		if r == "*" {
			w("-A %s -j %s", chainOutput, chainRedirect)
			break
		}
		if p, err := netip.ParsePrefix(r); err == nil && p.Addr().Is6() == v6 {
			w("-A %s -d %s -j %s", chainOutput, p.Masked(), chainRedirect)
		}
	}
	w("COMMIT")
	return b.String(), nil
}

// owners returns the iptables owner-match arguments of the proxy.
func owners(cfg Config) []string {
	out := []string{fmt.Sprintf("--uid-owner %d", cfg.ProxyUID)}
	if cfg.ProxyGID > 0 {
		out = append(out, fmt.Sprintf("--gid-owner %d", cfg.ProxyGID))
	}
	return out
}
