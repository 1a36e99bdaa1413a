package router

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// PickCluster chooses the target of a route action; rnd is uniform in [0, 2^32).
// It returns the cluster name and, for weighted targets, that target.
func PickCluster(a *config.RouteAction, rnd uint32) (string, *config.WeightedCluster) {
	if len(a.Weighted) == 0 {
		return a.Cluster, nil
	}
	n := uint32(uint64(rnd) * uint64(a.TotalWeight) >> 32)
	for i := range a.Weighted {
		w := &a.Weighted[i]
		if n < w.Weight {
			return w.Name, w
		}
		n -= w.Weight
	}
	w := &a.Weighted[len(a.Weighted)-1]
	return w.Name, w
}

// RewritePath applies prefix_rewrite or regex_rewrite of a to path.
func RewritePath(a *config.RouteAction, m *config.RouteMatch, path string) string {
	switch {
	case a.RegexRewrite != nil:
		return a.RegexRewrite.ReplaceAllString(path, a.RegexSubstitute)
	case a.PrefixRewrite != "" && (m.PathKind == config.PathPrefix || m.PathKind == config.PathSeparatedPrefix || m.PathKind == config.PathExact):
		n := len(m.Path)
		if n > len(path) {
			n = len(path)
		}
		return a.PrefixRewrite + path[n:]
	}
	return path
}

// RedirectURL builds the Location of a redirect for a request.
func RedirectURL(rd *config.Redirect, m *config.RouteMatch, scheme, host, path, query string) string {
	if rd.Scheme != "" {
		if rd.Scheme != scheme {
			// Envoy drops a default port when switching scheme.
			if h, p, err := net.SplitHostPort(host); err == nil && (p == "80" || p == "443") {
				host = h
			}
		}
		scheme = rd.Scheme
	}
	if rd.Host != "" {
		host = rd.Host
	}
	if rd.Port != 0 {
		h := host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			h = hh
		}
		host = net.JoinHostPort(h, strconv.Itoa(int(rd.Port)))
	}
	switch {
	case rd.Path != "":
		path = rd.Path
		if i := strings.IndexByte(path, '?'); i >= 0 {
			query, path = path[i+1:], path[:i]
		}
	case rd.PrefixRewrite != "":
		n := min(len(m.Path), len(path))
		path = rd.PrefixRewrite + path[n:]
	}
	u := scheme + "://" + host + path
	if query != "" && !rd.StripQuery {
		u += "?" + query
	}
	return u
}

// ApplyHeaders applies ops to h.
func ApplyHeaders(h http.Header, ops *config.HeaderOps) {
	for _, k := range ops.Remove {
		h.Del(k)
	}
	for _, a := range ops.Add {
		switch {
		case a.IfAbsent:
			if _, ok := h[http.CanonicalHeaderKey(a.Key)]; !ok {
				h.Set(a.Key, a.Value)
			}
		case a.Append:
			h.Add(a.Key, a.Value)
		default:
			h.Set(a.Key, a.Value)
		}
	}
}
