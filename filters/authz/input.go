package main

import (
	"encoding/binary"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// request is what the input builder reads from the stream. The filter
// implements it with the host's headers and properties; tests with maps.
type request interface {
	// Headers returns every header.
	Headers() [][2]string
	// Header returns the first value of header name.
	Header(name string) (string, bool)
	Property(path ...string) ([]byte, bool)
}

// The property paths the builder reads, allocated once: a variadic call
// through an interface would allocate its path on every request.
var (
	principalPath = []string{"connection", "uri_san_peer_certificate"}
	addressPath   = []string{"source", "address"}
	mtlsPath      = []string{"connection", "mtls"}
	portPath      = []string{"destination", "port"}
	servicePath   = []string{"destination", "service"}
	authPath      = []string{"request", "auth", "principal"}
	claimsPath    = []string{"request", "auth", "claims"}
)

// input is the Mixer attribute set handed to the policy as `input`.
type input struct {
	Source      source      `json:"source"`
	Destination destination `json:"destination"`
	Request     reqAttrs    `json:"request"`
	Connection  connection  `json:"connection"`
}

type source struct {
	Principal string `json:"principal,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	IP        string `json:"ip,omitempty"`
}

type destination struct {
	Service string `json:"service,omitempty"`
	Port    int    `json:"port,omitempty"`
}

type reqAttrs struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Host    string            `json:"host"`
	Headers map[string]string `json:"headers"`
	Query   map[string]string `json:"query"`
	Time    string            `json:"time"`
	Auth    *auth             `json:"auth,omitempty"`
}

type auth struct {
	Principal string         `json:"principal,omitempty"`
	Claims    map[string]any `json:"claims,omitempty"`
}

type connection struct {
	MTLS bool `json:"mtls"`
}

// sensitive headers are left out of the input unless listed explicitly.
var sensitive = map[string]bool{"authorization": true, "cookie": true, "proxy-authorization": true}

// buildInput gathers the attributes of one request that the policy needs.
// keep lists the headers to copy (nil: all but the sensitive ones). It never
// fails: a missing attribute is left empty, and the policy decides what that
// means.
func buildInput(r request, keep map[string]bool, need needs, now func() time.Time) input {
	var in input
	if need.headers {
		in.Request.Headers = map[string]string{}
		readHeaders(&in.Request, r.Headers(), keep)
	} else {
		readPseudoHeaders(&in.Request, r, need)
	}
	if need.query {
		in.Request.Query = map[string]string{}
	}
	if i := strings.IndexByte(in.Request.Path, '?'); i >= 0 {
		if need.query {
			if q, err := url.ParseQuery(in.Request.Path[i+1:]); err == nil {
				for k, v := range q {
					in.Request.Query[k] = strings.Join(v, ",")
				}
			}
		}
		in.Request.Path = in.Request.Path[:i]
	}
	if need.time {
		in.Request.Time = now().UTC().Format(time.RFC3339Nano)
	}

	if need.principal || need.namespace {
		if b, ok := r.Property(principalPath...); ok && len(b) > 0 {
			id := string(b)
			if need.principal {
				in.Source.Principal = id
			}
			if need.namespace {
				in.Source.Namespace = spiffeNamespace(id)
			}
		}
	}
	if need.ip {
		if b, ok := r.Property(addressPath...); ok {
			in.Source.IP = hostOnly(string(b))
		}
	}
	if need.mtls {
		if b, ok := r.Property(mtlsPath...); ok && len(b) == 1 {
			in.Connection.MTLS = b[0] == 1
		}
	}
	if need.port {
		if b, ok := r.Property(portPath...); ok {
			in.Destination.Port = decodePort(b)
		}
	}
	if need.service {
		in.Destination.Service = hostOnly(in.Request.Host)
		if b, ok := r.Property(servicePath...); ok && len(b) > 0 {
			in.Destination.Service = string(b)
		}
	}
	if need.auth {
		if b, ok := r.Property(authPath...); ok && len(b) > 0 {
			in.Request.Auth = &auth{Principal: string(b)}
			if c, ok := r.Property(claimsPath...); ok {
				in.Request.Auth.Claims = decodeClaims(c)
			}
		}
	}
	return in
}

// readHeaders fills the request's method, path and host, and its headers
// but for the pseudo-headers, the sensitive ones (keep nil) and those keep
// does not list; repeated headers are joined with commas.
func readHeaders(req *reqAttrs, hs [][2]string, keep map[string]bool) {
	for _, h := range hs {
		k := strings.ToLower(h[0])
		switch k {
		case ":method":
			req.Method = h[1]
		case ":path":
			req.Path = h[1]
		case ":authority", "host":
			req.Host = h[1]
		}
		if strings.HasPrefix(k, ":") || (keep == nil && sensitive[k]) || (keep != nil && !keep[k]) {
			continue
		}
		if prev, ok := req.Headers[k]; ok {
			req.Headers[k] = prev + "," + h[1]
		} else {
			req.Headers[k] = h[1]
		}
	}
}

// readPseudoHeaders reads only the request's method, path and host that the
// policy needs, one header each (the path also for the query, the host also
// for the destination service): cheaper in the guest than the whole header
// map, which allocates with every header the request has. The host is
// :authority, or the host header without one.
func readPseudoHeaders(req *reqAttrs, r request, need needs) {
	if need.method {
		req.Method, _ = r.Header(":method")
	}
	if need.path || need.query {
		req.Path, _ = r.Header(":path")
	}
	if need.host || need.service {
		var ok bool
		if req.Host, ok = r.Header(":authority"); !ok {
			req.Host, _ = r.Header("host")
		}
	}
}

// spiffeNamespace returns <ns> from spiffe://<td>/ns/<ns>/sa/<sa>: the
// segment after the first "ns" segment past the trust domain.
func spiffeNamespace(id string) string {
	rest, ok := strings.CutPrefix(id, "spiffe://")
	if !ok {
		return ""
	}
	_, rest, ok = strings.Cut(rest, "/") // the trust domain
	for ok {
		var seg string
		seg, rest, ok = strings.Cut(rest, "/")
		if seg == "ns" && ok {
			ns, _, _ := strings.Cut(rest, "/")
			return ns
		}
	}
	return ""
}

// hostOnly strips a port from host:port, keeping IPv6 literals whole.
func hostOnly(s string) string {
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return s[1:i]
		}
		return s
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.Count(s, ":") == 1 {
		return s[:i]
	}
	return s
}

// decodePort accepts the property as 8 little-endian bytes (Envoy's int
// encoding) or as decimal text.
func decodePort(b []byte) int {
	if len(b) == 8 {
		return int(binary.LittleEndian.Uint64(b))
	}
	n, _ := strconv.Atoi(string(b))
	return n
}

// decodeClaims parses the JWT claims the proxy's jwt_authn filter verified.
func decodeClaims(b []byte) map[string]any {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}
