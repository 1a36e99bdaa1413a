package config

import (
	"strconv"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

func (v *validator) virtualService(path string, s *api.VirtualService) {
	if len(s.Hosts) == 0 {
		// A VirtualService without hosts is a delegate: routes handed to it
		// by another VirtualService's delegate field.
		if len(s.Gateways) > 0 {
			v.add(path+".gateways", "not allowed in a delegate VirtualService (one without hosts)")
		}
		if len(s.TLS)+len(s.TCP) > 0 {
			v.add(path, "a delegate VirtualService (one without hosts) may only have http routes")
		}
		for i, r := range s.HTTP {
			if r.Delegate != nil {
				v.add(idx(path+".http", i)+".delegate", "a delegate VirtualService cannot delegate further")
			}
		}
	}
	for i, h := range s.Hosts {
		v.host(idx(path+".hosts", i), h, true)
	}
	v.gateways(path+".gateways", s.Gateways)
	if len(s.HTTP)+len(s.TLS)+len(s.TCP) == 0 {
		v.add(path, "at least one of http, tls or tcp routes is required")
	}
	for i := range s.HTTP {
		v.httpRoute(idx(path+".http", i), &s.HTTP[i])
	}
	for i, r := range s.TLS {
		p := idx(path+".tls", i)
		if len(r.Match) == 0 {
			v.add(p+".match", "at least one match is required")
		}
		for j, m := range r.Match {
			mp := idx(p+".match", j)
			if len(m.SniHosts) == 0 {
				v.add(mp+".sniHosts", "at least one SNI host is required")
			}
			for k, h := range m.SniHosts {
				v.host(idx(mp+".sniHosts", k), h, true)
			}
			for k, c := range m.DestinationSubnets {
				v.ipOrCIDR(idx(mp+".destinationSubnets", k), c)
			}
			v.optPort(mp+".port", m.Port)
			v.gateways(mp+".gateways", m.Gateways)
		}
		v.routeDestinations(p+".route", r.Route)
	}
	for i, r := range s.TCP {
		p := idx(path+".tcp", i)
		for j, m := range r.Match {
			mp := idx(p+".match", j)
			for k, c := range m.DestinationSubnets {
				v.ipOrCIDR(idx(mp+".destinationSubnets", k), c)
			}
			if m.SourceSubnet != "" {
				v.ipOrCIDR(mp+".sourceSubnet", m.SourceSubnet)
			}
			v.optPort(mp+".port", m.Port)
			v.gateways(mp+".gateways", m.Gateways)
		}
		v.routeDestinations(p+".route", r.Route)
	}
	v.exportTo(path+".exportTo", s.ExportTo)
}

func (v *validator) gateways(path string, gws []string) {
	for i, g := range gws {
		p := idx(path, i)
		if g == "mesh" {
			continue
		}
		ns, name, ok := strings.Cut(g, "/")
		if ok {
			v.dnsLabel(p, ns)
			g = name
		}
		if g == "" || !dnsSubRE.MatchString(g) {
			v.add(p, "invalid gateway %q: must be \"mesh\", \"name\" or \"namespace/name\"", gws[i])
		}
	}
}

func (v *validator) httpRoute(path string, r *api.HTTPRoute) {
	kinds := 0
	for _, set := range []bool{len(r.Route) > 0, r.Redirect != nil, r.DirectResponse != nil, r.Delegate != nil} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds == 0:
		v.add(path, "must set one of route, redirect, directResponse or delegate")
	case kinds > 1:
		v.add(path, "route, redirect, directResponse and delegate are mutually exclusive: set only one")
	}
	for i := range r.Match {
		v.httpMatch(idx(path+".match", i), &r.Match[i])
	}
	for i := range r.Route {
		d := &r.Route[i]
		p := idx(path+".route", i)
		v.destination(p+".destination", &d.Destination)
		v.between(p+".weight", int64(d.Weight), 0, 100)
		v.headers(p+".headers", d.Headers)
	}
	v.weightSum(path+".route", len(r.Route), func(i int) int32 { return r.Route[i].Weight })
	if rd := r.Redirect; rd != nil {
		p := path + ".redirect"
		v.exclusive(p, []string{"port", "derivePort"}, rd.Port != 0, rd.DerivePort != "")
		v.optPort(p+".port", rd.Port)
		switch rd.RedirectCode {
		case 0, 301, 302, 303, 307, 308:
		default:
			v.add(p+".redirectCode", "must be one of 301, 302, 303, 307, 308, got %d", rd.RedirectCode)
		}
		v.exclusive(p, []string{"uri", "prefixRewrite"}, rd.URI != "", rd.PrefixRewrite != "")
	}
	if dr := r.DirectResponse; dr != nil {
		v.between(path+".directResponse.status", int64(dr.Status), 200, 599)
		if b := dr.Body; b != nil {
			v.exclusive(path+".directResponse.body", []string{"string", "bytes"}, b.String != "", len(b.Bytes) > 0)
		}
	}
	if d := r.Delegate; d != nil {
		v.dnsSubdomain(path+".delegate.name", d.Name)
		if d.Namespace != "" {
			v.dnsLabel(path+".delegate.namespace", d.Namespace)
		}
	}
	if rw := r.Rewrite; rw != nil {
		p := path + ".rewrite"
		v.exclusive(p, []string{"uri", "uriRegexRewrite"}, rw.URI != "", rw.URIRegexRewrite != nil)
		if rr := rw.URIRegexRewrite; rr != nil {
			if v.required(p+".uriRegexRewrite.match", rr.Match) {
				v.regex(p+".uriRegexRewrite.match", rr.Match)
			}
		}
		if r.Redirect != nil {
			v.add(p, "rewrite and redirect are mutually exclusive: set only one")
		}
	}
	v.duration(path+".timeout", r.Timeout)
	if rt := r.Retries; rt != nil {
		p := path + ".retries"
		v.nonNegative(p+".attempts", int64(rt.Attempts))
		v.duration(p+".perTryTimeout", rt.PerTryTimeout)
		v.positiveDuration(p+".backoff", rt.Backoff)
		v.retryOn(p+".retryOn", rt.RetryOn)
	}
	if f := r.Fault; f != nil {
		v.fault(path+".fault", f)
	}
	if r.Mirror != nil {
		v.destination(path+".mirror", r.Mirror)
		v.exclusive(path, []string{"mirror", "mirrors"}, true, len(r.Mirrors) > 0)
	}
	for i := range r.Mirrors {
		p := idx(path+".mirrors", i)
		v.destination(p+".destination", &r.Mirrors[i].Destination)
		v.percent(p+".percentage", r.Mirrors[i].Percentage)
	}
	if r.MirrorPercent != nil {
		v.between(path+".mirrorPercent", int64(*r.MirrorPercent), 0, 100)
	}
	v.percent(path+".mirrorPercentage", r.MirrorPercentage)
	if c := r.CorsPolicy; c != nil {
		p := path + ".corsPolicy"
		for i := range c.AllowOrigins {
			v.stringMatch(idx(p+".allowOrigins", i), &c.AllowOrigins[i])
		}
		v.duration(p+".maxAge", c.MaxAge)
	}
	v.headers(path+".headers", r.Headers)
}

// weightSum checks Istio's rule: several destinations (or any explicit
// weight) must have weights summing to 100. Out-of-range weights are
// reported alone.
func (v *validator) weightSum(path string, n int, weight func(int) int32) {
	var sum int64
	for i := 0; i < n; i++ {
		w := int64(weight(i))
		if w < 0 || w > 100 {
			return // reported for the weight itself
		}
		sum += w
	}
	if n == 0 || (n == 1 && sum == 0) {
		return
	}
	if sum != 100 {
		v.add(path, "weights must sum to 100, got %d", sum)
	}
}

func (v *validator) routeDestinations(path string, ds []api.RouteDestination) {
	if len(ds) == 0 {
		v.add(path, "at least one destination is required")
	}
	for i := range ds {
		p := idx(path, i)
		v.destination(p+".destination", &ds[i].Destination)
		v.between(p+".weight", int64(ds[i].Weight), 0, 100)
	}
	v.weightSum(path, len(ds), func(i int) int32 { return ds[i].Weight })
}

func (v *validator) destination(path string, d *api.Destination) {
	if v.required(path+".host", d.Host) {
		v.host(path+".host", d.Host, false)
	}
	if d.Subset != "" && !dnsSubRE.MatchString(d.Subset) {
		v.add(path+".subset", "invalid subset name %q", d.Subset)
	}
	if d.Port != nil {
		v.port(path+".port.number", d.Port.Number)
	}
}

func (v *validator) httpMatch(path string, m *api.HTTPMatchRequest) {
	v.stringMatch(path+".uri", m.URI)
	v.stringMatch(path+".scheme", m.Scheme)
	v.stringMatch(path+".method", m.Method)
	v.stringMatch(path+".authority", m.Authority)
	for _, hm := range []struct {
		field string
		m     map[string]api.StringMatch
	}{{"headers", m.Headers}, {"withoutHeaders", m.WithoutHeaders}} {
		for _, name := range sortedKeys(hm.m) {
			sm := hm.m[name]
			p := key(path+"."+hm.field, name)
			if name != strings.ToLower(name) {
				v.add(p, "header names must be lower-case, got %q", name)
			}
			if hm.field == "withoutHeaders" && sm == (api.StringMatch{}) {
				continue
			}
			v.stringMatch(p, &sm)
		}
	}
	for _, name := range sortedKeys(m.QueryParams) {
		sm := m.QueryParams[name]
		v.stringMatch(key(path+".queryParams", name), &sm)
	}
	v.optPort(path+".port", m.Port)
	v.labels(path+".sourceLabels", m.SourceLabels)
	v.gateways(path+".gateways", m.Gateways)
	if m.SourceNamespace != "" {
		v.dnsLabel(path+".sourceNamespace", m.SourceNamespace)
	}
}

func (v *validator) headers(path string, h *api.Headers) {
	if h == nil {
		return
	}
	for _, op := range []struct {
		name string
		o    *api.HeaderOperations
	}{{"request", h.Request}, {"response", h.Response}} {
		if op.o == nil {
			continue
		}
		p := path + "." + op.name
		for _, m := range []struct {
			name string
			kv   map[string]string
		}{{"set", op.o.Set}, {"add", op.o.Add}} {
			for _, k := range sortedKeys(m.kv) {
				v.headerName(key(p+"."+m.name, k), k)
			}
		}
		for i, k := range op.o.Remove {
			v.headerName(idx(p+".remove", i), k)
		}
	}
}

func (v *validator) headerName(path, name string) {
	if name == "" || strings.ContainsAny(name, " \t\r\n:") && !strings.HasPrefix(name, ":") {
		v.add(path, "invalid header name %q", name)
	}
}

var retryOnPolicies = map[string]bool{
	"5xx": true, "gateway-error": true, "reset": true, "reset-before-request": true,
	"connect-failure": true, "envoy-ratelimited": true, "retriable-4xx": true, "refused-stream": true,
	"retriable-status-codes": true, "retriable-headers": true, "http3-post-connect-failure": true,
	"cancelled": true, "deadline-exceeded": true, "internal": true, "resource-exhausted": true, "unavailable": true,
}

func (v *validator) retryOn(path, s string) {
	if s == "" {
		return
	}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if retryOnPolicies[p] {
			continue
		}
		if code, err := strconv.Atoi(p); err == nil && code >= 100 && code <= 599 {
			continue
		}
		v.add(path, "unknown retry condition %q", p)
	}
}

var grpcCodes = map[string]bool{
	"OK": true, "CANCELLED": true, "UNKNOWN": true, "INVALID_ARGUMENT": true, "DEADLINE_EXCEEDED": true,
	"NOT_FOUND": true, "ALREADY_EXISTS": true, "PERMISSION_DENIED": true, "RESOURCE_EXHAUSTED": true,
	"FAILED_PRECONDITION": true, "ABORTED": true, "OUT_OF_RANGE": true, "UNIMPLEMENTED": true,
	"INTERNAL": true, "UNAVAILABLE": true, "DATA_LOSS": true, "UNAUTHENTICATED": true,
}

func (v *validator) fault(path string, f *api.HTTPFaultInjection) {
	if f.Delay == nil && f.Abort == nil {
		v.add(path, "must set delay or abort")
	}
	if d := f.Delay; d != nil {
		p := path + ".delay"
		if d.ExponentialDelay != nil {
			v.add(p+".exponentialDelay", "not supported: use fixedDelay")
		} else if d.FixedDelay == nil {
			v.add(p+".fixedDelay", "required")
		}
		v.duration(p+".fixedDelay", d.FixedDelay)
		v.percent(p+".percentage", d.Percentage)
		v.between(p+".percent", int64(d.Percent), 0, 100)
	}
	if a := f.Abort; a != nil {
		p := path + ".abort"
		n := 0
		for _, set := range []bool{a.HTTPStatus != 0, a.GrpcStatus != "", a.HTTP2Error != ""} {
			if set {
				n++
			}
		}
		if n != 1 {
			v.add(p, "must set exactly one of httpStatus, grpcStatus or http2Error")
		}
		if a.HTTPStatus != 0 {
			v.between(p+".httpStatus", int64(a.HTTPStatus), 200, 599)
		}
		if a.GrpcStatus != "" && !grpcCodes[a.GrpcStatus] {
			v.add(p+".grpcStatus", "unknown gRPC status %q (use names such as UNAVAILABLE)", a.GrpcStatus)
		}
		v.percent(p+".percentage", a.Percentage)
	}
}
