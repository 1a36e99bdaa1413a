package pilot

import (
	"sort"
	"strconv"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/wasmesh/wasmesh/control/api"
)

func emitRouteTable(rt *RouteTableIR) *routev3.RouteConfiguration {
	out := &routev3.RouteConfiguration{Name: rt.Name, ValidateClusters: wrapperspb.Bool(false)}
	for _, vh := range rt.VHosts {
		v := &routev3.VirtualHost{Name: vh.Name, Domains: vh.Domains}
		for i := range vh.Routes {
			v.Routes = append(v.Routes, emitRoute(&vh.Routes[i]))
		}
		out.VirtualHosts = append(out.VirtualHosts, v)
	}
	return out
}

func emitRoute(r *RouteIR) *routev3.Route {
	out := &routev3.Route{Name: r.Name, Match: emitMatch(r.Match)}
	h := r.HTTP
	if h == nil {
		h = &api.HTTPRoute{}
	}
	switch {
	case r.Direct != 0:
		out.Action = &routev3.Route_DirectResponse{DirectResponse: &routev3.DirectResponseAction{Status: r.Direct}}
	case h.Redirect != nil:
		out.Action = &routev3.Route_Redirect{Redirect: emitRedirect(h.Redirect)}
	case h.DirectResponse != nil:
		d := &routev3.DirectResponseAction{Status: h.DirectResponse.Status}
		if b := h.DirectResponse.Body; b != nil {
			if b.String != "" {
				d.Body = inline(b.String)
			} else if len(b.Bytes) > 0 {
				d.Body = &corev3.DataSource{Specifier: &corev3.DataSource_InlineBytes{InlineBytes: b.Bytes}}
			}
		}
		out.Action = &routev3.Route_DirectResponse{DirectResponse: d}
	default:
		out.Action = &routev3.Route_Route{Route: emitRouteAction(r, h)}
	}
	if h.Headers != nil {
		out.RequestHeadersToAdd, out.RequestHeadersToRemove = headerOps(h.Headers.Request)
		out.ResponseHeadersToAdd, out.ResponseHeadersToRemove = headerOps(h.Headers.Response)
	}
	if len(r.Clusters) == 1 && r.Clusters[0].Headers != nil {
		hs := r.Clusters[0].Headers
		add, rm := headerOps(hs.Request)
		out.RequestHeadersToAdd, out.RequestHeadersToRemove = append(out.RequestHeadersToAdd, add...), append(out.RequestHeadersToRemove, rm...)
		add, rm = headerOps(hs.Response)
		out.ResponseHeadersToAdd, out.ResponseHeadersToRemove = append(out.ResponseHeadersToAdd, add...), append(out.ResponseHeadersToRemove, rm...)
	}
	pf := map[string]*anypb.Any{}
	if h.Fault != nil {
		if f := emitFault(h.Fault); f != nil {
			pf[FilterFault] = mustAny(f)
		}
	}
	if h.CorsPolicy != nil {
		pf[FilterCORS] = mustAny(emitCORS(h.CorsPolicy))
	}
	if len(pf) > 0 {
		out.TypedPerFilterConfig = pf
	}
	return out
}

func stringMatcher(m *api.StringMatch, ignoreCase bool) *matcherv3.StringMatcher {
	out := &matcherv3.StringMatcher{IgnoreCase: ignoreCase}
	switch {
	case m.Exact != "":
		out.MatchPattern = &matcherv3.StringMatcher_Exact{Exact: m.Exact}
	case m.Prefix != "":
		out.MatchPattern = &matcherv3.StringMatcher_Prefix{Prefix: m.Prefix}
	case m.Regex != "":
		out.IgnoreCase = false
		out.MatchPattern = &matcherv3.StringMatcher_SafeRegex{SafeRegex: &matcherv3.RegexMatcher{Regex: m.Regex}}
	default:
		return nil
	}
	return out
}

func headerMatcher(name string, m api.StringMatch, invert bool) *routev3.HeaderMatcher {
	out := &routev3.HeaderMatcher{Name: name, InvertMatch: invert}
	if sm := stringMatcher(&m, false); sm != nil {
		out.HeaderMatchSpecifier = &routev3.HeaderMatcher_StringMatch{StringMatch: sm}
	} else {
		out.HeaderMatchSpecifier = &routev3.HeaderMatcher_PresentMatch{PresentMatch: true}
	}
	return out
}

func sortedMatchKeys(m map[string]api.StringMatch) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func emitMatch(m *api.HTTPMatchRequest) *routev3.RouteMatch {
	out := &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}}
	if m == nil {
		return out
	}
	if u := m.URI; u != nil {
		switch {
		case u.Exact != "":
			out.PathSpecifier = &routev3.RouteMatch_Path{Path: u.Exact}
		case u.Prefix != "":
			out.PathSpecifier = &routev3.RouteMatch_Prefix{Prefix: u.Prefix}
		case u.Regex != "":
			out.PathSpecifier = &routev3.RouteMatch_SafeRegex{SafeRegex: &matcherv3.RegexMatcher{Regex: u.Regex}}
		}
	}
	if m.IgnoreURICase {
		out.CaseSensitive = wrapperspb.Bool(false)
	}
	for _, pseudo := range []struct {
		name string
		m    *api.StringMatch
	}{{":method", m.Method}, {":authority", m.Authority}, {":scheme", m.Scheme}} {
		if pseudo.m != nil {
			out.Headers = append(out.Headers, headerMatcher(pseudo.name, *pseudo.m, false))
		}
	}
	for _, k := range sortedMatchKeys(m.Headers) {
		out.Headers = append(out.Headers, headerMatcher(k, m.Headers[k], false))
	}
	for _, k := range sortedMatchKeys(m.WithoutHeaders) {
		out.Headers = append(out.Headers, headerMatcher(k, m.WithoutHeaders[k], true))
	}
	for _, k := range sortedMatchKeys(m.QueryParams) {
		v := m.QueryParams[k]
		q := &routev3.QueryParameterMatcher{Name: k}
		if sm := stringMatcher(&v, false); sm != nil {
			q.QueryParameterMatchSpecifier = &routev3.QueryParameterMatcher_StringMatch{StringMatch: sm}
		} else {
			q.QueryParameterMatchSpecifier = &routev3.QueryParameterMatcher_PresentMatch{PresentMatch: true}
		}
		out.QueryParameters = append(out.QueryParameters, q)
	}
	return out
}

func emitRouteAction(r *RouteIR, h *api.HTTPRoute) *routev3.RouteAction {
	out := &routev3.RouteAction{Timeout: durationpb.New(0)}
	if len(r.Clusters) == 1 {
		out.ClusterSpecifier = &routev3.RouteAction_Cluster{Cluster: r.Clusters[0].Cluster}
	} else {
		wc := &routev3.WeightedCluster{}
		for _, c := range r.Clusters {
			cw := &routev3.WeightedCluster_ClusterWeight{Name: c.Cluster, Weight: wrapperspb.UInt32(c.Weight)}
			if c.Headers != nil {
				cw.RequestHeadersToAdd, cw.RequestHeadersToRemove = headerOps(c.Headers.Request)
				cw.ResponseHeadersToAdd, cw.ResponseHeadersToRemove = headerOps(c.Headers.Response)
			}
			wc.Clusters = append(wc.Clusters, cw)
		}
		out.ClusterSpecifier = &routev3.RouteAction_WeightedClusters{WeightedClusters: wc}
	}
	if h.Timeout != nil {
		out.Timeout = durationpb.New(h.Timeout.Duration)
	}
	if rt := h.Retries; rt != nil && rt.Attempts > 0 {
		rp := &routev3.RetryPolicy{RetryOn: rt.RetryOn, NumRetries: u32(rt.Attempts)}
		if rp.RetryOn == "" {
			rp.RetryOn = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"
		}
		var codes []uint32
		var on []string
		for _, c := range strings.Split(rp.RetryOn, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(c)); err == nil {
				codes = append(codes, uint32(n))
				continue
			}
			on = append(on, strings.TrimSpace(c))
		}
		if len(codes) > 0 {
			rp.RetriableStatusCodes = codes
			on = append(on, "retriable-status-codes")
		}
		rp.RetryOn = strings.Join(on, ",")
		if rt.PerTryTimeout != nil {
			rp.PerTryTimeout = durationpb.New(rt.PerTryTimeout.Duration)
		}
		if rt.Backoff != nil {
			rp.RetryBackOff = &routev3.RetryPolicy_RetryBackOff{BaseInterval: durationpb.New(rt.Backoff.Duration)}
		}
		out.RetryPolicy = rp
	}
	if rw := h.Rewrite; rw != nil {
		if rw.URI != "" {
			out.PrefixRewrite = rw.URI
		}
		if rw.Authority != "" {
			out.HostRewriteSpecifier = &routev3.RouteAction_HostRewriteLiteral{HostRewriteLiteral: rw.Authority}
		}
		if rr := rw.URIRegexRewrite; rr != nil {
			out.RegexRewrite = &matcherv3.RegexMatchAndSubstitute{Pattern: &matcherv3.RegexMatcher{Regex: rr.Match}, Substitution: rr.Rewrite}
		}
	}
	if hp := hashPolicy(r.Hash); hp != nil {
		out.HashPolicy = []*routev3.RouteAction_HashPolicy{hp}
	}
	for _, m := range r.Mirrors {
		out.RequestMirrorPolicies = append(out.RequestMirrorPolicies, &routev3.RouteAction_RequestMirrorPolicy{Cluster: m.Cluster,
			RuntimeFraction: &corev3.RuntimeFractionalPercent{DefaultValue: fraction(m.Percent)}})
	}
	return out
}

// fraction converts a percentage (0-100, fractional) to per-million.
func fraction(pct float64) *typev3.FractionalPercent {
	return &typev3.FractionalPercent{Numerator: uint32(pct*10000 + 0.5), Denominator: typev3.FractionalPercent_MILLION}
}

func emitRedirect(r *api.HTTPRedirect) *routev3.RedirectAction {
	out := &routev3.RedirectAction{HostRedirect: r.Authority, PortRedirect: r.Port}
	if r.URI != "" {
		out.PathRewriteSpecifier = &routev3.RedirectAction_PathRedirect{PathRedirect: r.URI}
	} else if r.PrefixRewrite != "" {
		out.PathRewriteSpecifier = &routev3.RedirectAction_PrefixRewrite{PrefixRewrite: r.PrefixRewrite}
	}
	if r.Scheme != "" {
		out.SchemeRewriteSpecifier = &routev3.RedirectAction_SchemeRedirect{SchemeRedirect: r.Scheme}
	}
	switch r.RedirectCode {
	case 302:
		out.ResponseCode = routev3.RedirectAction_FOUND
	case 303:
		out.ResponseCode = routev3.RedirectAction_SEE_OTHER
	case 307:
		out.ResponseCode = routev3.RedirectAction_TEMPORARY_REDIRECT
	case 308:
		out.ResponseCode = routev3.RedirectAction_PERMANENT_REDIRECT
	default:
		out.ResponseCode = routev3.RedirectAction_MOVED_PERMANENTLY
	}
	return out
}

// headerOps turns Istio header operations into Envoy's: set overwrites,
// add appends.
func headerOps(ops *api.HeaderOperations) ([]*corev3.HeaderValueOption, []string) {
	if ops == nil {
		return nil, nil
	}
	var out []*corev3.HeaderValueOption
	add := func(m map[string]string, action corev3.HeaderValueOption_HeaderAppendAction) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, &corev3.HeaderValueOption{Header: &corev3.HeaderValue{Key: k, Value: m[k]}, AppendAction: action})
		}
	}
	add(ops.Set, corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD)
	add(ops.Add, corev3.HeaderValueOption_APPEND_IF_EXISTS_OR_ADD)
	return out, append([]string(nil), ops.Remove...)
}

// hashPolicy is the route's consistent-hash key.
func hashPolicy(h *api.ConsistentHashLB) *routev3.RouteAction_HashPolicy {
	switch {
	case h == nil:
		return nil
	case h.HTTPHeaderName != "":
		return &routev3.RouteAction_HashPolicy{PolicySpecifier: &routev3.RouteAction_HashPolicy_Header_{
			Header: &routev3.RouteAction_HashPolicy_Header{HeaderName: h.HTTPHeaderName}}}
	case h.HTTPCookie != nil:
		c := &routev3.RouteAction_HashPolicy_Cookie{Name: h.HTTPCookie.Name, Path: h.HTTPCookie.Path}
		if h.HTTPCookie.TTL != nil {
			c.Ttl = durationpb.New(h.HTTPCookie.TTL.Duration)
		}
		return &routev3.RouteAction_HashPolicy{PolicySpecifier: &routev3.RouteAction_HashPolicy_Cookie_{Cookie: c}}
	case h.UseSourceIP:
		return &routev3.RouteAction_HashPolicy{PolicySpecifier: &routev3.RouteAction_HashPolicy_ConnectionProperties_{
			ConnectionProperties: &routev3.RouteAction_HashPolicy_ConnectionProperties{SourceIp: true}}}
	case h.HTTPQueryParameterName != "":
		return &routev3.RouteAction_HashPolicy{PolicySpecifier: &routev3.RouteAction_HashPolicy_QueryParameter_{
			QueryParameter: &routev3.RouteAction_HashPolicy_QueryParameter{Name: h.HTTPQueryParameterName}}}
	}
	return nil
}
