package pilot

import (
	"net"
	"net/netip"
	"strconv"
)

// addressDomains returns the virtual-host domains of a service's addresses
// (VIPs): each address alone and with each port, as Istio lists a
// Service's cluster IP, so an app calling the address by IP and port
// reaches the service. A CIDR range names no one host and is skipped, and
// so is a domain already used by another virtual host of the route table
// (seen, updated here): Envoy rejects a domain listed twice.
func addressDomains(addrs []string, ports []uint32, seen map[string]bool) []string {
	var out []string
	add := func(d string) {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			p, perr := netip.ParsePrefix(a)
			if perr != nil || !p.IsSingleIP() {
				continue
			}
			ip = p.Addr()
		}
		host := ip.Unmap().WithZone("").String()
		if ip.Is6() && !ip.Is4In6() {
			add("[" + host + "]")
		} else {
			add(host)
		}
		for _, port := range ports {
			add(net.JoinHostPort(host, strconv.Itoa(int(port))))
		}
	}
	return out
}
