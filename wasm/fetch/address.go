package fetch

import (
	"net"
	"net/netip"
	"strings"
)

// Always-refused destinations: link-local networks (which hold every cloud's metadata service)
// and the metadata endpoints themselves.
var (
	linkLocal4  = netip.MustParsePrefix("169.254.0.0/16")
	linkLocal6  = netip.MustParsePrefix("fe80::/10")
	metadataIPs = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack, ...
		netip.MustParseAddr("fd00:ec2::254"),   // AWS IPv6
		netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	}
	metadataNames = []string{"metadata.google.internal", "metadata"}
	cgnat         = netip.MustParsePrefix("100.64.0.0/10")
)

// blockedName reports why a host name is refused before any DNS lookup, "" if it is not.
func blockedName(host string) string {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	for _, n := range metadataNames {
		if h == n {
			return "cloud metadata host"
		}
	}
	return ""
}

// blockedIP reports why ip is refused, "" if it is allowed.
func blockedIP(ip netip.Addr, allowPrivate bool) string {
	ip = ip.Unmap().WithZone("")
	for _, m := range metadataIPs {
		if ip == m {
			return "cloud metadata address"
		}
	}
	switch {
	case linkLocal4.Contains(ip) || linkLocal6.Contains(ip) || ip.IsLinkLocalMulticast():
		return "link-local address"
	case ip.IsMulticast() || !ip.IsValid():
		return "not a unicast address"
	case allowPrivate:
		return ""
	case ip.IsLoopback():
		return "loopback address"
	case ip.IsUnspecified():
		return "unspecified address"
	case ip.IsPrivate() || cgnat.Contains(ip):
		return "private address"
	}
	return ""
}

// checkDialAddress checks the resolved host:port about to be dialed.
func checkDialAddress(address string, allowPrivate bool) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return &BlockedAddressError{Address: address, Reason: "unparsable address"}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return &BlockedAddressError{Address: address, Reason: "not an IP address"}
	}
	if why := blockedIP(ip, allowPrivate); why != "" {
		return &BlockedAddressError{Address: address, Reason: why}
	}
	return nil
}
