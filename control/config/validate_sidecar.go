package config

import (
	"net"
	"strconv"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

func (v *validator) sidecar(path string, s *api.Sidecar) {
	if s.WorkloadSelector != nil {
		v.labels(path+".workloadSelector.labels", s.WorkloadSelector.Labels)
	}
	ports := map[uint32]int{}
	for i := range s.Ingress {
		in := &s.Ingress[i]
		p := idx(path+".ingress", i)
		if in.Port == nil {
			v.add(p+".port", "required")
		} else {
			v.port(p+".port.number", in.Port.Number)
			v.optPort(p+".port.targetPort", in.Port.TargetPort)
			if j, dup := ports[in.Port.Number]; dup {
				v.add(p+".port.number", "duplicate ingress port %d (also ingress[%d])", in.Port.Number, j)
			}
			ports[in.Port.Number] = i
		}
		if in.Bind != "" {
			v.bind(p+".bind", in.Bind)
		}
		if in.DefaultEndpoint != "" {
			v.defaultEndpoint(p+".defaultEndpoint", in.DefaultEndpoint)
		}
		v.serverTLS(p+".tls", in.TLS)
		v.connectionPool(p+".connectionPool", in.ConnectionPool)
	}
	catchAll := -1
	for i := range s.Egress {
		e := &s.Egress[i]
		p := idx(path+".egress", i)
		if e.Port == nil {
			if catchAll >= 0 {
				v.add(p, "only one egress listener may omit port (also egress[%d])", catchAll)
			}
			catchAll = i
		} else {
			v.port(p+".port.number", e.Port.Number)
		}
		if e.Bind != "" {
			v.bind(p+".bind", e.Bind)
		}
		if len(e.Hosts) == 0 {
			v.add(p+".hosts", "at least one \"namespace/host\" is required")
		}
		for j, h := range e.Hosts {
			v.nsHost(idx(p+".hosts", j), h, true)
		}
	}
	if catchAll >= 0 && catchAll != len(s.Egress)-1 {
		v.add(idx(path+".egress", catchAll), "the egress listener without port must be the last one")
	}
	v.connectionPool(path+".inboundConnectionPool", s.InboundConnectionPool)
	if o := s.OutboundTrafficPolicy; o != nil && o.EgressProxy != nil {
		if o.Mode != api.AllowAny {
			v.add(path+".outboundTrafficPolicy.egressProxy", "requires mode ALLOW_ANY")
		}
		v.destination(path+".outboundTrafficPolicy.egressProxy", o.EgressProxy)
	}
}

func (v *validator) bind(path, b string) {
	if strings.HasPrefix(b, "unix://") {
		return
	}
	if net.ParseIP(b) == nil {
		v.add(path, "must be an IP address or unix:// socket, got %q", b)
	}
}

// defaultEndpoint checks "IP:port" (loopback or 0.0.0.0) or "unix://path".
func (v *validator) defaultEndpoint(path, e string) {
	if strings.HasPrefix(e, "unix://") {
		if len(e) == len("unix://") {
			v.add(path, "missing socket path in %q", e)
		}
		return
	}
	host, port, err := net.SplitHostPort(e)
	if err != nil || net.ParseIP(host) == nil {
		v.add(path, "must be \"IP:port\" or \"unix://path\", got %q", e)
		return
	}
	if n, err := strconv.ParseUint(port, 10, 32); err != nil || n < 1 || n > 65535 {
		v.add(path, "invalid port in %q", e)
	}
}
