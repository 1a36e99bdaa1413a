package inject

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Traffic-capture annotations, Istio's names.
const (
	KeyIncludeInboundPorts     = "traffic.sidecar.istio.io/includeInboundPorts"
	KeyExcludeInboundPorts     = "traffic.sidecar.istio.io/excludeInboundPorts"
	KeyIncludeOutboundPorts    = "traffic.sidecar.istio.io/includeOutboundPorts"
	KeyExcludeOutboundPorts    = "traffic.sidecar.istio.io/excludeOutboundPorts"
	KeyIncludeOutboundIPRanges = "traffic.sidecar.istio.io/includeOutboundIPRanges"
	KeyExcludeOutboundIPRanges = "traffic.sidecar.istio.io/excludeOutboundIPRanges"
)

// captureArgs builds the arguments of `meshproxy iptables` for the init
// container from the pod's annotations. Bad values are errors naming the
// annotation: a pod is better refused than silently captured wrongly.
func captureArgs(annotations object, cfg Config) ([]string, error) {
	get := func(key, def string) string {
		if v, ok := annotations[key].(string); ok {
			return strings.TrimSpace(v)
		}
		return def
	}
	inclIn := get(KeyIncludeInboundPorts, "*")
	exclIn := get(KeyExcludeInboundPorts, "")
	inclOut := get(KeyIncludeOutboundPorts, "")
	exclOut := get(KeyExcludeOutboundPorts, "")
	inclRanges := get(KeyIncludeOutboundIPRanges, "*")
	exclRanges := get(KeyExcludeOutboundIPRanges, "")

	for key, v := range map[string]string{KeyIncludeInboundPorts: inclIn, KeyExcludeInboundPorts: exclIn, KeyIncludeOutboundPorts: inclOut, KeyExcludeOutboundPorts: exclOut} {
		if err := checkPorts(v); err != nil {
			return nil, fmt.Errorf("inject: annotation %s: %w", key, err)
		}
	}
	for key, v := range map[string]string{KeyIncludeOutboundIPRanges: inclRanges, KeyExcludeOutboundIPRanges: exclRanges} {
		if err := checkRanges(v); err != nil {
			return nil, fmt.Errorf("inject: annotation %s: %w", key, err)
		}
	}
	// The proxy's own status and metrics ports are never captured inbound.
	exclIn = joinList(fmt.Sprintf("%d,%d,%d", PortPrometheus, PortHealth, PortStatus), exclIn)

	return []string{
		"iptables",
		"--outbound-port", strconv.Itoa(PortOutbound),
		"--inbound-port", strconv.Itoa(PortInbound),
		"--proxy-uid", strconv.FormatInt(cfg.ProxyUID, 10),
		"--proxy-gid", strconv.FormatInt(cfg.ProxyGID, 10),
		"--include-inbound-ports", inclIn,
		"--exclude-inbound-ports", exclIn,
		"--include-outbound-ports", inclOut,
		"--exclude-outbound-ports", exclOut,
		"--include-outbound-ip-ranges", inclRanges,
		"--exclude-outbound-ip-ranges", exclRanges,
	}, nil
}

func joinList(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "," + b
}

// checkPorts accepts "", "*" or a comma-separated list of ports 1-65535.
func checkPorts(v string) error {
	if v == "" || v == "*" {
		return nil
	}
	for _, p := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q is not a port (1-65535)", p)
		}
	}
	return nil
}

// checkRanges accepts "", "*" or a comma-separated list of CIDRs.
func checkRanges(v string) error {
	if v == "" || v == "*" {
		return nil
	}
	for _, r := range strings.Split(v, ",") {
		if _, err := netip.ParsePrefix(strings.TrimSpace(r)); err != nil {
			return fmt.Errorf("%q is not a CIDR range", r)
		}
	}
	return nil
}
