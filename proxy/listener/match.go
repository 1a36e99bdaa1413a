package listener

import (
	"strings"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// selectChain implements Envoy's filter chain match order: destination port,
// server name (exact, then longest wildcard), transport protocol, ALPN.
// Each criterion keeps the most specific candidates; an empty value matches any.
func selectChain(chains []config.FilterChain, def *config.FilterChain, port uint32, h helloInfo) *config.FilterChain {
	cands := make([]*config.FilterChain, 0, len(chains))
	for i := range chains {
		cands = append(cands, &chains[i])
	}
	cands = narrow(cands, func(c *config.FilterChain) int {
		switch c.Match.DestinationPort {
		case port:
			return 2
		case 0:
			return 1
		}
		return 0
	})
	cands = narrow(cands, func(c *config.FilterChain) int {
		if len(c.Match.ServerNames) == 0 {
			return 1
		}
		best := 0
		for _, n := range c.Match.ServerNames {
			n = strings.ToLower(n)
			sni := strings.ToLower(h.sni)
			switch {
			case n == sni && sni != "":
				return 1 << 20
			case strings.HasPrefix(n, "*.") && strings.HasSuffix(sni, n[1:]):
				best = max(best, 1+len(n))
			}
		}
		return best
	})
	transport := "raw_buffer"
	if h.tls {
		transport = "tls"
	}
	cands = narrow(cands, func(c *config.FilterChain) int {
		switch c.Match.TransportProtocol {
		case transport:
			return 2
		case "":
			return 1
		}
		return 0
	})
	cands = narrow(cands, func(c *config.FilterChain) int {
		if len(c.Match.ALPN) == 0 {
			return 1
		}
		for _, want := range c.Match.ALPN {
			for _, got := range h.alpn {
				if want == got {
					return 2
				}
			}
		}
		return 0
	})
	if len(cands) > 0 {
		return cands[0]
	}
	return def
}

// narrow keeps the candidates with the highest positive score.
func narrow(cands []*config.FilterChain, score func(*config.FilterChain) int) []*config.FilterChain {
	best := 0
	for _, c := range cands {
		best = max(best, score(c))
	}
	if best == 0 {
		return nil
	}
	out := cands[:0:0]
	for _, c := range cands {
		if score(c) == best {
			out = append(out, c)
		}
	}
	return out
}
