package wasmfilter

import (
	"encoding/binary"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wasmesh/wasmesh/proxy/httpx"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// props answers proxy_get_property for one stream with Envoy's encodings:
// strings raw, integers as 8-byte little-endian, booleans as one byte,
// timestamps and durations in nanoseconds, maps as header maps.
type props struct {
	s      *httpx.Stream
	status int
	local  string // the workload's SPIFFE ID, the local certificate's URI SAN in mesh mTLS
}

func i64(v int64) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, uint64(v))
	return b
}

func boolean(v bool) []byte {
	if v {
		return []byte{1}
	}
	return []byte{0}
}

func hostPort(a net.Addr) (string, int64, bool) {
	if a == nil {
		return "", 0, false
	}
	h, p, err := net.SplitHostPort(a.String())
	if err != nil {
		return "", 0, false
	}
	n, _ := strconv.Atoi(p)
	return h, int64(n), true
}

// Property implements host.Properties.
func (p *props) Property(path []string) ([]byte, bool) {
	if len(path) == 0 {
		return nil, false
	}
	s := p.s
	r := s.Req
	switch path[0] {
	case "request":
		if len(path) == 3 && path[1] == "headers" {
			v := r.Header.Values(path[2])
			if len(v) == 0 {
				return nil, false
			}
			return []byte(strings.Join(v, ",")), true
		}
		if len(path) == 3 && path[1] == "auth" {
			return p.auth(path[2])
		}
		if len(path) != 2 {
			return nil, false
		}
		switch path[1] {
		case "path":
			return []byte(r.URL.RequestURI()), true
		case "url_path":
			return []byte(r.URL.Path), true
		case "host":
			return []byte(r.Host), true
		case "scheme":
			if r.TLS != nil || s.Conn.TLS != nil {
				return []byte("https"), true
			}
			return []byte("http"), true
		case "method":
			return []byte(r.Method), true
		case "protocol":
			return []byte(r.Proto), true
		case "query":
			return []byte(r.URL.RawQuery), true
		case "referer":
			return []byte(r.Header.Get("Referer")), true
		case "useragent":
			return []byte(r.Header.Get("User-Agent")), true
		case "id":
			return []byte(r.Header.Get("X-Request-Id")), true
		case "time":
			return i64(s.Start.UnixNano()), true
		case "duration":
			return i64(int64(time.Since(s.Start))), true
		case "size":
			return i64(max(r.ContentLength, s.BytesIn, 0)), true
		case "total_size":
			return i64(requestHeaderBytes(r) + max(r.ContentLength, s.BytesIn, 0)), true
		case "headers":
			return abi.EncodeMap(nil, pairs(r.Header)), true
		}
	case "response":
		if len(path) == 2 {
			switch path[1] {
			case "code":
				status := p.status
				if status == 0 {
					// A stream answered locally never ran the response
					// callbacks; the stream knows what it answered.
					status = p.s.Status
				}
				if status == 0 {
					return nil, false
				}
				return i64(int64(status)), true
			case "flags":
				// Istio's short form (UH, UF, ...), comma separated; "" when none.
				return []byte(strings.Join(s.Flags, ",")), true
			case "size", "total_size":
				return i64(s.BytesOut), true
			}
		}
	case "source", "destination":
		if path[0] == "destination" && len(path) == 2 && path[1] == "service" {
			h := clusterService(routeCluster(s))
			return []byte(h), h != ""
		}
		a := s.Conn.Remote
		if path[0] == "destination" {
			a = s.Conn.Local
			if s.Conn.OriginalDst != nil {
				a = s.Conn.OriginalDst
			}
		}
		h, port, ok := hostPort(a)
		if !ok || len(path) != 2 {
			return nil, false
		}
		switch path[1] {
		case "address":
			return []byte(a.String()), true
		case "port":
			return i64(port), true
		case "ip":
			return []byte(h), true
		}
	case "connection":
		return p.connection(path[1:])
	case "xds":
		if len(path) == 2 {
			switch path[1] {
			case "listener_direction":
				switch s.Conn.Direction {
				case "INBOUND":
					return i64(1), true
				case "OUTBOUND":
					return i64(2), true
				}
				return i64(0), true
			case "cluster_name":
				return []byte(s.Cluster), s.Cluster != ""
			case "route_name":
				if s.Route == nil {
					return nil, false
				}
				return []byte(s.Route.Name), true
			case "virtual_host_name":
				if s.VHost == nil {
					return nil, false
				}
				return []byte(s.VHost.Name), true
			case "filter_chain_name":
				return []byte(s.Conn.ChainName), true
			}
		}
	case "cluster_name":
		return []byte(s.Cluster), s.Cluster != ""
	case "route_name":
		if s.Route == nil {
			return nil, false
		}
		return []byte(s.Route.Name), true
	case "listener_direction":
		return p.Property([]string{"xds", "listener_direction"})
	}
	return nil, false
}

func (p *props) connection(path []string) ([]byte, bool) {
	ci := p.s.Conn
	if len(path) != 1 {
		return nil, false
	}
	switch path[0] {
	case "id":
		return i64(int64(ci.ID)), true
	case "mtls":
		return boolean(ci.TLS != nil && len(ci.TLS.PeerCertificates) > 0), true
	case "tls_version":
		if ci.TLS == nil {
			return nil, false
		}
		return []byte(tlsVersion(ci.TLS.Version)), true
	case "requested_server_name":
		if ci.TLS == nil {
			return []byte{}, true
		}
		return []byte(ci.TLS.ServerName), true
	case "uri_san_peer_certificate", "dns_san_peer_certificate", "subject_peer_certificate":
		if ci.TLS == nil || len(ci.TLS.PeerCertificates) == 0 {
			return nil, false
		}
		c := ci.TLS.PeerCertificates[0]
		switch path[0] {
		case "uri_san_peer_certificate":
			if len(c.URIs) == 0 {
				return nil, false
			}
			return []byte(c.URIs[0].String()), true
		case "dns_san_peer_certificate":
			if len(c.DNSNames) == 0 {
				return nil, false
			}
			return []byte(c.DNSNames[0]), true
		}
		return []byte(c.Subject.String()), true
	case "uri_san_local_certificate":
		// In mesh mTLS the proxy presents its workload certificate, whose
		// URI SAN is the workload's SPIFFE ID: on inbound mTLS connections,
		// and on outbound listeners, whose mesh upstreams get the same
		// certificate (Istio's source_principal on the client side).
		if p.local == "" || (ci.Direction != "OUTBOUND" && (ci.TLS == nil || len(ci.TLS.PeerCertificates) == 0)) {
			return nil, false
		}
		return []byte(p.local), true
	}
	return nil, false
}

// auth exposes jwt_authn results as request.auth.{principal,audiences,presenter,claims}.
func (p *props) auth(key string) ([]byte, bool) {
	m := p.s.Metadata["request.auth"]
	v, ok := m[key]
	if !ok || v == nil {
		return nil, false
	}
	if s, ok := v.(string); ok {
		return []byte(s), true
	}
	b, err := json.Marshal(v)
	return b, err == nil
}

func tlsVersion(v uint16) string {
	switch v {
	case 0x0304:
		return "TLSv1.3"
	case 0x0303:
		return "TLSv1.2"
	}
	return "TLS"
}

// clusterService is the service host of an Istio cluster name
// (outbound|80|v1|web.mesh, inbound|8080||web.mesh); "" for other names.
func clusterService(cluster string) string {
	parts := strings.Split(cluster, "|")
	if len(parts) != 4 {
		return ""
	}
	return parts[3]
}

// requestHeaderBytes approximates the request's header bytes on the wire
// (HTTP/1.1 request line and header lines).
func requestHeaderBytes(r *http.Request) int64 {
	n := len(r.Method) + len(r.URL.RequestURI()) + len(r.Proto) + 4
	n += len("Host: ") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return int64(n + 2)
}

// routeCluster is the stream's cluster, or before forwarding the selected
// route's (the first weighted one: all name the same service host).
func routeCluster(s *httpx.Stream) string {
	if s.Cluster != "" || s.Route == nil || s.Route.Forward == nil {
		return s.Cluster
	}
	if a := s.Route.Forward; a.Cluster != "" {
		return a.Cluster
	} else if len(a.Weighted) > 0 {
		return a.Weighted[0].Name
	}
	return ""
}
