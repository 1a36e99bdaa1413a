package capture

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Config is what `meshproxy iptables` is told.
type Config struct {
	OutboundPort int // where outbound traffic is redirected (15001)
	InboundPort  int // where inbound traffic is redirected (15006)
	ProxyUID     int // traffic from this uid is never captured
	ProxyGID     int // nor from this gid (0 = not set)
	// InboundPorts lists the inbound ports to capture; ["*"] captures all.
	InboundPorts        []string
	ExcludeInboundPorts []int
	// OutboundPorts lists outbound ports captured even outside
	// OutboundRanges; ExcludeOutboundPorts are never captured.
	OutboundPorts        []int
	ExcludeOutboundPorts []int
	// OutboundRanges lists the destination CIDRs to capture; ["*"] = all.
	OutboundRanges        []string
	ExcludeOutboundRanges []netip.Prefix
}

// ParsePorts parses "", "*" or "80,443" into a port list ("*" → ["*"]).
func ParsePorts(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if s == "*" {
		return []string{"*"}, nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("capture: %q is not a port (1-65535)", p)
		}
		out = append(out, strconv.Itoa(n))
	}
	return out, nil
}

// ParsePortNumbers is ParsePorts without the "*" wildcard.
func ParsePortNumbers(s string) ([]int, error) {
	ps, err := ParsePorts(s)
	if err != nil {
		return nil, err
	}
	out := make([]int, 0, len(ps))
	for _, p := range ps {
		if p == "*" {
			return nil, errors.New("capture: \"*\" is not allowed here")
		}
		n, _ := strconv.Atoi(p)
		out = append(out, n)
	}
	return out, nil
}

// ParseRanges parses "", "*" or "10.0.0.0/8,fd00::/8" into CIDR strings.
func ParseRanges(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if s == "*" {
		return []string{"*"}, nil
	}
	var out []string
	for _, r := range strings.Split(s, ",") {
		p, err := parsePrefix(r)
		if err != nil {
			return nil, fmt.Errorf("capture: %q is not a CIDR range", r)
		}
		out = append(out, p.Masked().String())
	}
	return out, nil
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	for name, p := range map[string]int{"outbound port": c.OutboundPort, "inbound port": c.InboundPort} {
		if p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("capture: %s %d is not a port", name, p))
		}
	}
	if c.ProxyUID < 0 {
		errs = append(errs, fmt.Errorf("capture: proxy uid %d is negative", c.ProxyUID))
	}
	return errors.Join(errs...)
}

func parsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	return p.Masked(), err
}
