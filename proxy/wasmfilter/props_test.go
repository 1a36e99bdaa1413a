package wasmfilter

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"net"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/httpx"
)

func TestSidecarProperties(t *testing.T) {
	peer := &x509.Certificate{URIs: []*url.URL{{Scheme: "spiffe", Host: "cluster.local", Path: "/ns/default/sa/frontend"}}}
	r := httptest.NewRequest("GET", "http://web.mesh/api/x?a=1", nil)
	r.Header.Set("User-Agent", "t")
	s := &httpx.Stream{Req: r, Flags: []string{"UH"}, BytesIn: 0, BytesOut: 12,
		Route: &config.Route{Forward: &config.RouteAction{Weighted: []config.WeightedCluster{{Name: "outbound|80|v1|web.mesh"}}}},
		Conn: &httpx.ConnInfo{Remote: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555},
			Local: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 15006}, Direction: "INBOUND",
			TLS: &tls.ConnectionState{PeerCertificates: []*x509.Certificate{peer}}}}
	p := &props{s: s, local: "spiffe://cluster.local/ns/default/sa/web"}
	str := func(path ...string) string {
		b, ok := p.Property(path)
		if !ok {
			t.Fatalf("%v: absent", path)
		}
		return string(b)
	}
	num := func(path ...string) int64 {
		b, ok := p.Property(path)
		if !ok || len(b) != 8 {
			t.Fatalf("%v: %q", path, b)
		}
		return int64(binary.LittleEndian.Uint64(b))
	}
	for _, c := range []struct{ got, want string }{
		{str("connection", "uri_san_peer_certificate"), "spiffe://cluster.local/ns/default/sa/frontend"},
		{str("connection", "uri_san_local_certificate"), "spiffe://cluster.local/ns/default/sa/web"},
		{str("connection", "mtls"), "\x01"},
		{str("source", "address"), "127.0.0.1:5555"},
		{str("destination", "service"), "web.mesh"},
		{str("response", "flags"), "UH"},
		{str("request", "url_path"), "/api/x"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if n := num("destination", "port"); n != 15006 {
		t.Errorf("destination.port %d", n)
	}
	if n := num("xds", "listener_direction"); n != 1 {
		t.Errorf("listener_direction %d", n)
	}
	if n := num("request", "total_size"); n < int64(len("GET /api/x?a=1 HTTP/1.1\r\n")) {
		t.Errorf("request.total_size %d", n)
	}
	if n := num("response", "total_size"); n != 12 {
		t.Errorf("response.total_size %d", n)
	}
	s.Conn.TLS = nil // plaintext inbound: no local certificate
	if _, ok := p.Property([]string{"connection", "uri_san_local_certificate"}); ok {
		t.Error("local certificate reported without mTLS")
	}
	s.Conn.Direction = "OUTBOUND" // the client side's identity for its mesh upstreams
	if got := str("connection", "uri_san_local_certificate"); got != p.local {
		t.Errorf("outbound local certificate %q", got)
	}
}
