package config

import (
	"fmt"
	"net/http"
	"strings"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	corsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/cors/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	"google.golang.org/protobuf/types/known/anypb"
)

// TranslateRouteConfig translates one RDS RouteConfiguration.
func TranslateRouteConfig(rc *routev3.RouteConfiguration) (*RouteConfig, error) {
	out, err := routeConfig(rc)
	return out, wrap("route", rc.GetName(), err)
}

func routeConfig(rc *routev3.RouteConfiguration) (*RouteConfig, error) {
	if err := onlyFields(rc, "name", "virtual_hosts", "request_headers_to_add", "request_headers_to_remove",
		"response_headers_to_add", "response_headers_to_remove", "validate_clusters", "internal_only_headers",
		"max_direct_response_body_size_bytes", "ignore_port_in_host_matching"); err != nil {
		return nil, err
	}
	out := &RouteConfig{Name: rc.GetName()}
	var err error
	if out.RequestHeaders, err = headerOps("request_headers_to_add", rc.GetRequestHeadersToAdd(), rc.GetRequestHeadersToRemove()); err != nil {
		return nil, err
	}
	if out.ResponseHeaders, err = headerOps("response_headers_to_add", rc.GetResponseHeadersToAdd(), rc.GetResponseHeadersToRemove()); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, vh := range rc.GetVirtualHosts() {
		v, err := virtualHost(vh)
		if err != nil {
			return nil, at(fmt.Sprintf("virtual_hosts[%d]", i), err)
		}
		for _, d := range v.Domains {
			if seen[d] {
				return nil, invalid(fmt.Sprintf("virtual_hosts[%d].domains", i), "duplicate domain %q", d)
			}
			seen[d] = true
		}
		out.VirtualHosts = append(out.VirtualHosts, *v)
	}
	return out, nil
}

func virtualHost(vh *routev3.VirtualHost) (*VirtualHost, error) {
	if err := onlyFields(vh, "name", "domains", "routes", "request_headers_to_add", "request_headers_to_remove",
		"response_headers_to_add", "response_headers_to_remove", "cors", "retry_policy", "typed_per_filter_config",
		"include_request_attempt_count", "metadata"); err != nil {
		return nil, err
	}
	out := &VirtualHost{Name: vh.GetName()}
	if len(vh.GetDomains()) == 0 {
		return nil, invalid("domains", "empty")
	}
	for i, d := range vh.GetDomains() {
		d = strings.ToLower(d)
		if d == "" || (strings.Contains(d, "*") && d != "*" && !strings.HasPrefix(d, "*") && !strings.HasSuffix(d, "*")) {
			return nil, invalid(fmt.Sprintf("domains[%d]", i), "%q: wildcards only as prefix or suffix", d)
		}
		out.Domains = append(out.Domains, d)
	}
	var err error
	if out.RequestHeaders, err = headerOps("request_headers_to_add", vh.GetRequestHeadersToAdd(), vh.GetRequestHeadersToRemove()); err != nil {
		return nil, err
	}
	if out.ResponseHeaders, err = headerOps("response_headers_to_add", vh.GetResponseHeadersToAdd(), vh.GetResponseHeadersToRemove()); err != nil {
		return nil, err
	}
	if out.CORS, err = corsPolicy("cors", []*routev3.CorsPolicy{vh.GetCors()}); err != nil { //nolint:staticcheck
		return nil, err
	}
	pf, err := perFilter("typed_per_filter_config", vh.GetTypedPerFilterConfig())
	if err != nil {
		return nil, err
	}
	if pf.cors != nil {
		out.CORS = pf.cors
	}
	if pf.fault != nil {
		return nil, unsupported("typed_per_filter_config", "fault on a virtual host (set it per route)")
	}
	if vh.GetRetryPolicy() != nil {
		if out.Retry, err = retryPolicy("retry_policy", vh.GetRetryPolicy()); err != nil {
			return nil, err
		}
	}
	for i, r := range vh.GetRoutes() {
		rt, err := route(r)
		if err != nil {
			return nil, at(fmt.Sprintf("routes[%d]", i), err)
		}
		out.Routes = append(out.Routes, *rt)
	}
	return out, nil
}

type perFilterConfig struct {
	fault *Fault
	cors  *CORSPolicy
}

func perFilter(field string, m map[string]*anypb.Any) (perFilterConfig, error) {
	var out perFilterConfig
	for name, a := range m {
		f := field + "[" + name + "]"
		msg, err := anypb.UnmarshalNew(a, unmarshalOpts)
		if err != nil {
			return out, invalid(f, "%v", err)
		}
		switch c := msg.(type) {
		case *faultv3.HTTPFault:
			if out.fault, err = fault(c); err != nil {
				return out, at(f, err)
			}
		case *corsv3.CorsPolicy:
			if out.cors, err = corsFilterPolicy(f, c); err != nil {
				return out, err
			}
		default:
			return out, unsupported(f, "per-filter config %s", a.GetTypeUrl())
		}
	}
	return out, nil
}

func route(r *routev3.Route) (*Route, error) {
	if err := onlyFields(r, "name", "match", "route", "redirect", "direct_response", "metadata", "decorator",
		"typed_per_filter_config", "request_headers_to_add", "request_headers_to_remove",
		"response_headers_to_add", "response_headers_to_remove"); err != nil {
		return nil, err
	}
	out := &Route{Name: r.GetName()}
	m, err := routeMatch(r.GetMatch())
	if err != nil {
		return nil, at("match", err)
	}
	out.Match = *m
	if out.RequestHeaders, err = headerOps("request_headers_to_add", r.GetRequestHeadersToAdd(), r.GetRequestHeadersToRemove()); err != nil {
		return nil, err
	}
	if out.ResponseHeaders, err = headerOps("response_headers_to_add", r.GetResponseHeadersToAdd(), r.GetResponseHeadersToRemove()); err != nil {
		return nil, err
	}
	pf, err := perFilter("typed_per_filter_config", r.GetTypedPerFilterConfig())
	if err != nil {
		return nil, err
	}
	out.Fault, out.CORS = pf.fault, pf.cors
	switch {
	case r.GetRoute() != nil:
		a, err := routeAction(r.GetRoute())
		if err != nil {
			return nil, at("route", err)
		}
		if a.CORS != nil && out.CORS == nil {
			out.CORS = a.CORS
		}
		out.Forward = a
	case r.GetRedirect() != nil:
		rd, err := redirect(r.GetRedirect())
		if err != nil {
			return nil, at("redirect", err)
		}
		out.Redirect = rd
	case r.GetDirectResponse() != nil:
		d := r.GetDirectResponse()
		if err := onlyFields(d, "status", "body"); err != nil {
			return nil, at("direct_response", err)
		}
		body, err := dataSource("direct_response.body", d.GetBody())
		if err != nil {
			return nil, err
		}
		if d.GetStatus() < 200 || d.GetStatus() >= 600 {
			return nil, invalid("direct_response.status", "%d", d.GetStatus())
		}
		out.Direct = &DirectResponse{Status: int(d.GetStatus()), Body: body}
	default:
		return nil, unsupported("action", "only route, redirect and direct_response")
	}
	return out, nil
}

func routeMatch(m *routev3.RouteMatch) (*RouteMatch, error) {
	if m == nil {
		return nil, invalid("", "missing")
	}
	if err := onlyFields(m, "prefix", "path", "safe_regex", "path_separated_prefix", "case_sensitive",
		"headers", "query_parameters", "grpc"); err != nil {
		return nil, err
	}
	out := &RouteMatch{CaseSensitive: m.GetCaseSensitive() == nil || m.GetCaseSensitive().GetValue(), GRPC: m.GetGrpc() != nil}
	switch p := m.GetPathSpecifier().(type) {
	case *routev3.RouteMatch_Prefix:
		out.PathKind, out.Path = PathPrefix, p.Prefix
	case *routev3.RouteMatch_Path:
		out.PathKind, out.Path = PathExact, p.Path
	case *routev3.RouteMatch_SafeRegex:
		re, err := compileRegex("safe_regex", p.SafeRegex)
		if err != nil {
			return nil, err
		}
		out.PathKind, out.Regex = PathRegex, re
	case *routev3.RouteMatch_PathSeparatedPrefix:
		out.PathKind, out.Path = PathSeparatedPrefix, p.PathSeparatedPrefix
	default:
		return nil, unsupported("path_specifier", "only prefix, path, safe_regex and path_separated_prefix")
	}
	if !out.CaseSensitive {
		out.Path = strings.ToLower(out.Path)
	}
	for i, h := range m.GetHeaders() {
		hm, err := headerMatcher(fmt.Sprintf("headers[%d]", i), h)
		if err != nil {
			return nil, err
		}
		out.Headers = append(out.Headers, hm)
	}
	for i, q := range m.GetQueryParameters() {
		f := fmt.Sprintf("query_parameters[%d]", i)
		if err := onlyFields(q, "name", "string_match", "present_match"); err != nil {
			return nil, at(f, err)
		}
		qm := QueryMatcher{Name: q.GetName()}
		if q.GetStringMatch() != nil {
			sm, err := stringMatcher(f+".string_match", q.GetStringMatch())
			if err != nil {
				return nil, err
			}
			qm.Match = sm
		} else {
			qm.Match, qm.Present = StringMatcher{Kind: MatchPresent}, true
		}
		out.Query = append(out.Query, qm)
	}
	return out, nil
}

func headerMatcher(f string, h *routev3.HeaderMatcher) (HeaderMatcher, error) {
	if err := onlyFields(h, "name", "exact_match", "safe_regex_match", "present_match", "prefix_match",
		"suffix_match", "contains_match", "string_match", "invert_match"); err != nil {
		return HeaderMatcher{}, at(f, err)
	}
	hm := HeaderMatcher{Name: strings.ToLower(h.GetName()), Invert: h.GetInvertMatch()}
	if hm.Name == "" {
		return hm, invalid(f+".name", "empty")
	}
	switch s := h.GetHeaderMatchSpecifier().(type) {
	case *routev3.HeaderMatcher_ExactMatch:
		hm.Match = StringMatcher{Kind: MatchExact, Value: s.ExactMatch}
	case *routev3.HeaderMatcher_PrefixMatch:
		hm.Match = StringMatcher{Kind: MatchPrefix, Value: s.PrefixMatch}
	case *routev3.HeaderMatcher_SuffixMatch:
		hm.Match = StringMatcher{Kind: MatchSuffix, Value: s.SuffixMatch}
	case *routev3.HeaderMatcher_ContainsMatch:
		hm.Match = StringMatcher{Kind: MatchContains, Value: s.ContainsMatch}
	case *routev3.HeaderMatcher_SafeRegexMatch:
		re, err := compileRegex(f+".safe_regex_match", s.SafeRegexMatch)
		if err != nil {
			return hm, err
		}
		hm.Match = StringMatcher{Kind: MatchRegex, Regex: re}
	case *routev3.HeaderMatcher_StringMatch:
		sm, err := stringMatcher(f+".string_match", s.StringMatch)
		if err != nil {
			return hm, err
		}
		hm.Match = sm
	case *routev3.HeaderMatcher_PresentMatch:
		hm.Match, hm.Present = StringMatcher{Kind: MatchPresent}, s.PresentMatch
	case nil:
		hm.Match, hm.Present = StringMatcher{Kind: MatchPresent}, true
	default:
		return hm, unsupported(f, "header match %T", s)
	}
	return hm, nil
}

func routeAction(a *routev3.RouteAction) (*RouteAction, error) {
	if err := onlyFields(a, "cluster", "weighted_clusters", "cluster_not_found_response_code", "prefix_rewrite",
		"regex_rewrite", "host_rewrite_literal", "auto_host_rewrite", "timeout", "idle_timeout", "retry_policy",
		"request_mirror_policies", "hash_policy", "cors", "upgrade_configs", "max_stream_duration",
		"max_grpc_timeout"); err != nil {
		return nil, err
	}
	out := &RouteAction{Cluster: a.GetCluster(), PrefixRewrite: a.GetPrefixRewrite(),
		HostRewrite: a.GetHostRewriteLiteral(), AutoHostRewrite: a.GetAutoHostRewrite().GetValue(),
		Timeout: dur(a.GetTimeout()), IdleTimeout: dur(a.GetIdleTimeout())}
	if a.Timeout == nil {
		out.Timeout = defaultRouteTimeout
	}
	if msd := a.GetMaxStreamDuration(); msd != nil {
		if err := onlyFields(msd, "max_stream_duration", "grpc_timeout_header_max"); err != nil {
			return nil, at("max_stream_duration", err)
		}
	}
	if wc := a.GetWeightedClusters(); wc != nil {
		if err := onlyFields(wc, "clusters", "total_weight"); err != nil {
			return nil, at("weighted_clusters", err)
		}
		var sum uint32
		for i, c := range wc.GetClusters() {
			f := fmt.Sprintf("weighted_clusters.clusters[%d]", i)
			if err := onlyFields(c, "name", "weight", "request_headers_to_add", "request_headers_to_remove",
				"response_headers_to_add", "response_headers_to_remove"); err != nil {
				return nil, at(f, err)
			}
			w := WeightedCluster{Name: c.GetName(), Weight: c.GetWeight().GetValue()}
			var err error
			if w.RequestHeaders, err = headerOps(f+".request_headers_to_add", c.GetRequestHeadersToAdd(), c.GetRequestHeadersToRemove()); err != nil {
				return nil, err
			}
			if w.ResponseHeaders, err = headerOps(f+".response_headers_to_add", c.GetResponseHeadersToAdd(), c.GetResponseHeadersToRemove()); err != nil {
				return nil, err
			}
			sum += w.Weight
			out.Weighted = append(out.Weighted, w)
		}
		out.TotalWeight = sum
		if tw := wc.GetTotalWeight(); tw != nil && tw.GetValue() != sum { //nolint:staticcheck
			return nil, invalid("weighted_clusters.total_weight", "%d != sum of weights %d", tw.GetValue(), sum) //nolint:staticcheck
		}
		if sum == 0 {
			return nil, invalid("weighted_clusters", "weights sum to 0")
		}
	} else if out.Cluster == "" {
		return nil, unsupported("cluster_specifier", "only cluster and weighted_clusters")
	}
	if rr := a.GetRegexRewrite(); rr != nil {
		re, err := compileRegexUnanchored("regex_rewrite.pattern", rr.GetPattern().GetRegex())
		if err != nil {
			return nil, err
		}
		out.RegexRewrite, out.RegexSubstitute = re, convertSubstitution(rr.GetSubstitution())
	}
	if a.GetRetryPolicy() != nil {
		rp, err := retryPolicy("retry_policy", a.GetRetryPolicy())
		if err != nil {
			return nil, err
		}
		out.Retry = rp
	}
	for i, m := range a.GetRequestMirrorPolicies() {
		f := fmt.Sprintf("request_mirror_policies[%d]", i)
		if err := onlyFields(m, "cluster", "runtime_fraction", "trace_sampled"); err != nil {
			return nil, at(f, err)
		}
		pm, err := runtimePerMillion(f+".runtime_fraction", m.GetRuntimeFraction())
		if err != nil {
			return nil, err
		}
		if m.GetCluster() == "" {
			return nil, invalid(f+".cluster", "empty")
		}
		out.Mirrors = append(out.Mirrors, Mirror{Cluster: m.GetCluster(), PerMillion: pm})
	}
	for i, h := range a.GetHashPolicy() {
		hp, err := hashPolicy(fmt.Sprintf("hash_policy[%d]", i), h)
		if err != nil {
			return nil, err
		}
		out.HashPolicies = append(out.HashPolicies, hp)
	}
	for i, u := range a.GetUpgradeConfigs() {
		if u.GetUpgradeType() != "websocket" {
			return nil, unsupported(fmt.Sprintf("upgrade_configs[%d].upgrade_type", i), "%q", u.GetUpgradeType())
		}
		en := u.GetEnabled() == nil || u.GetEnabled().GetValue()
		out.WebSocket = &en
	}
	var err error
	if out.CORS, err = corsPolicy("cors", []*routev3.CorsPolicy{a.GetCors()}); err != nil { //nolint:staticcheck
		return nil, err
	}
	return out, nil
}

func hashPolicy(f string, h *routev3.RouteAction_HashPolicy) (HashPolicy, error) {
	hp := HashPolicy{Terminal: h.GetTerminal()}
	switch {
	case h.GetHeader() != nil:
		hp.Kind, hp.Name = HashHeader, strings.ToLower(h.GetHeader().GetHeaderName())
		if h.GetHeader().GetRegexRewrite() != nil {
			return hp, unsupported(f+".header.regex_rewrite", "set")
		}
	case h.GetCookie() != nil:
		c := h.GetCookie()
		if err := onlyFields(c, "name", "ttl", "path"); err != nil {
			return hp, at(f+".cookie", err)
		}
		hp.Kind, hp.Name, hp.CookieTTL = HashCookie, c.GetName(), dur(c.GetTtl())
	case h.GetConnectionProperties() != nil:
		if !h.GetConnectionProperties().GetSourceIp() {
			return hp, invalid(f+".connection_properties.source_ip", "false")
		}
		hp.Kind = HashSourceIP
	case h.GetQueryParameter() != nil:
		hp.Kind, hp.Name = HashQueryParam, h.GetQueryParameter().GetName()
	default:
		return hp, unsupported(f, "only header, cookie, connection_properties and query_parameter")
	}
	return hp, nil
}

func retryPolicy(f string, r *routev3.RetryPolicy) (*RetryPolicy, error) {
	if err := onlyFields(r, "retry_on", "num_retries", "per_try_timeout", "retriable_status_codes", "retry_back_off",
		"host_selection_retry_max_attempts", "retry_host_predicate"); err != nil {
		return nil, at(f, err)
	}
	for i, p := range r.GetRetryHostPredicate() {
		if p.GetName() != "envoy.retry_host_predicates.previous_hosts" {
			return nil, unsupported(fmt.Sprintf("%s.retry_host_predicate[%d]", f, i), "%q", p.GetName())
		}
	}
	out := &RetryPolicy{NumRetries: 1, PerTryTimeout: dur(r.GetPerTryTimeout()),
		BaseInterval: defaultRetryBase}
	if r.GetNumRetries() != nil {
		out.NumRetries = int(r.GetNumRetries().GetValue())
	}
	for _, on := range strings.Split(r.GetRetryOn(), ",") {
		switch strings.TrimSpace(on) {
		case "":
		case "5xx":
			out.On5xx = true
		case "gateway-error":
			out.GatewayError = true
		case "connect-failure":
			out.ConnectFailure = true
		case "reset", "refused-stream":
			out.Reset = true
		case "retriable-status-codes":
		case "retriable-4xx":
			out.RetriableCodes = append(out.RetriableCodes, http.StatusConflict)
		case "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable":
			// gRPC retry-on values: meshproxy treats them like their HTTP mapping.
			out.GatewayError = true
		default:
			return nil, unsupported(f+".retry_on", "%q", on)
		}
	}
	if strings.Contains(r.GetRetryOn(), "retriable-status-codes") {
		for _, c := range r.GetRetriableStatusCodes() {
			out.RetriableCodes = append(out.RetriableCodes, int(c))
		}
	}
	if b := r.GetRetryBackOff(); b != nil {
		out.BaseInterval = dur(b.GetBaseInterval())
		out.MaxInterval = dur(b.GetMaxInterval())
		if out.BaseInterval <= 0 {
			return nil, invalid(f+".retry_back_off.base_interval", "must be > 0")
		}
	}
	if out.MaxInterval == 0 {
		out.MaxInterval = 10 * out.BaseInterval
	}
	return out, nil
}

func redirect(r *routev3.RedirectAction) (*Redirect, error) {
	if err := onlyFields(r, "https_redirect", "scheme_redirect", "host_redirect", "port_redirect", "path_redirect",
		"prefix_rewrite", "response_code", "strip_query"); err != nil {
		return nil, err
	}
	out := &Redirect{Scheme: r.GetSchemeRedirect(), Host: r.GetHostRedirect(), Port: r.GetPortRedirect(),
		Path: r.GetPathRedirect(), PrefixRewrite: r.GetPrefixRewrite(), StripQuery: r.GetStripQuery()}
	if r.GetHttpsRedirect() {
		out.Scheme = "https"
	}
	switch r.GetResponseCode() {
	case routev3.RedirectAction_MOVED_PERMANENTLY:
		out.Code = http.StatusMovedPermanently
	case routev3.RedirectAction_FOUND:
		out.Code = http.StatusFound
	case routev3.RedirectAction_SEE_OTHER:
		out.Code = http.StatusSeeOther
	case routev3.RedirectAction_TEMPORARY_REDIRECT:
		out.Code = http.StatusTemporaryRedirect
	case routev3.RedirectAction_PERMANENT_REDIRECT:
		out.Code = http.StatusPermanentRedirect
	default:
		return nil, unsupported("response_code", "%v", r.GetResponseCode())
	}
	return out, nil
}
