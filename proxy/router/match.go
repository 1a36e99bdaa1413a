package router

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// Request is the part of an HTTP request that route matching reads.
type Request struct {
	Host   string
	Path   string // path without the query
	Query  string // raw query
	Header http.Header
}

// FromHTTP builds a Request from r.
func FromHTTP(r *http.Request) Request {
	return Request{Host: r.Host, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header}
}

// SelectVirtualHost picks the virtual host for host with Envoy's precedence:
// exact, then longest suffix wildcard (*.x), then longest prefix wildcard (x.*), then *.
func SelectVirtualHost(rc *config.RouteConfig, host string) *config.VirtualHost {
	if rc == nil {
		return nil
	}
	host = strings.ToLower(host)
	vh, star := selectVH(rc, host)
	if vh != nil && !star {
		return vh
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		if v2, _ := selectVH(rc, h); v2 != nil {
			return v2
		}
	}
	return vh
}

func selectVH(rc *config.RouteConfig, host string) (vh *config.VirtualHost, star bool) {
	var suffix, prefix, starVH *config.VirtualHost
	suffixLen, prefixLen := -1, -1
	for i := range rc.VirtualHosts {
		vh = &rc.VirtualHosts[i]
		for _, d := range vh.Domains {
			switch {
			case d == "*":
				if starVH == nil {
					starVH = vh
				}
			case d == host:
				return vh, false
			case strings.HasPrefix(d, "*"):
				if len(d) > suffixLen && strings.HasSuffix(host, d[1:]) && len(host) > len(d)-1 {
					suffix, suffixLen = vh, len(d)
				}
			case strings.HasSuffix(d, "*"):
				if len(d) > prefixLen && strings.HasPrefix(host, d[:len(d)-1]) && len(host) > len(d)-1 {
					prefix, prefixLen = vh, len(d)
				}
			}
		}
	}
	switch {
	case suffix != nil:
		return suffix, false
	case prefix != nil:
		return prefix, false
	}
	return starVH, true
}

// SelectRoute returns the first route of vh that matches req, or nil.
func SelectRoute(vh *config.VirtualHost, req *Request) *config.Route {
	if vh == nil {
		return nil
	}
	var q url.Values
	for i := range vh.Routes {
		r := &vh.Routes[i]
		if Matches(&r.Match, req, &q) {
			return r
		}
	}
	return nil
}

// Matches reports whether req satisfies m. q caches the parsed query across calls.
func Matches(m *config.RouteMatch, req *Request, q *url.Values) bool {
	if !matchPath(m, req.Path) {
		return false
	}
	if m.GRPC && !strings.HasPrefix(req.Header.Get("Content-Type"), "application/grpc") {
		return false
	}
	for i := range m.Headers {
		if !matchHeader(&m.Headers[i], req.Header) {
			return false
		}
	}
	if len(m.Query) > 0 {
		if *q == nil {
			*q, _ = url.ParseQuery(req.Query)
			if *q == nil {
				*q = url.Values{}
			}
		}
		for i := range m.Query {
			qm := &m.Query[i]
			vs, ok := (*q)[qm.Name]
			if !ok {
				return false
			}
			if qm.Present {
				continue
			}
			v := ""
			if len(vs) > 0 {
				v = vs[0]
			}
			if !qm.Match.Match(v) {
				return false
			}
		}
	}
	return true
}

func matchPath(m *config.RouteMatch, path string) bool {
	if m.PathKind == config.PathRegex {
		return m.Regex.MatchString(path)
	}
	if !m.CaseSensitive {
		path = strings.ToLower(path)
	}
	switch m.PathKind {
	case config.PathPrefix:
		return strings.HasPrefix(path, m.Path)
	case config.PathExact:
		return path == m.Path
	case config.PathSeparatedPrefix:
		if !strings.HasPrefix(path, m.Path) {
			return false
		}
		rest := path[len(m.Path):]
		return rest == "" || rest[0] == '/' || rest[0] == '?'
	}
	return false
}

func matchHeader(hm *config.HeaderMatcher, h http.Header) bool {
	vs := h.Values(hm.Name)
	var ok bool
	switch {
	case hm.Match.Kind == config.MatchPresent:
		ok = (len(vs) > 0) == hm.Present
	case len(vs) == 0:
		ok = false
	default:
		ok = hm.Match.Match(strings.Join(vs, ","))
	}
	return ok != hm.Invert
}

// MatchHeaders reports whether all matchers are satisfied by h.
func MatchHeaders(ms []config.HeaderMatcher, h http.Header) bool {
	for i := range ms {
		if !matchHeader(&ms[i], h) {
			return false
		}
	}
	return true
}
