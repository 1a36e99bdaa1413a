package netwasm

import (
	"encoding/binary"
	"net"
	"strconv"
	"sync/atomic"

	"github.com/wasmesh/wasmesh/proxy/httpx"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// props answers proxy_get_property for a connection with Envoy's
// encodings: strings raw, integers 8-byte little-endian, booleans one byte.
type props struct {
	ci       *httpx.ConnInfo
	upstream atomic.Pointer[string] // upstream host address once connected
}

var _ host.Properties = (*props)(nil)

func i64(v int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }

func addrProp(a net.Addr, field string) ([]byte, bool) {
	if a == nil {
		return nil, false
	}
	h, p, err := net.SplitHostPort(a.String())
	if err != nil {
		return nil, false
	}
	switch field {
	case "address":
		return []byte(a.String()), true
	case "ip":
		return []byte(h), true
	case "port":
		n, _ := strconv.Atoi(p)
		return i64(int64(n)), true
	}
	return nil, false
}

// Property implements host.Properties.
func (p *props) Property(path []string) ([]byte, bool) {
	if len(path) != 2 {
		return nil, false
	}
	ci := p.ci
	switch path[0] {
	case "source":
		return addrProp(ci.Remote, path[1])
	case "destination":
		if ci.OriginalDst != nil {
			return addrProp(ci.OriginalDst, path[1])
		}
		return addrProp(ci.Local, path[1])
	case "upstream":
		if a := p.upstream.Load(); a != nil && path[1] == "address" {
			return []byte(*a), true
		}
	case "connection":
		return p.connection(path[1])
	case "xds":
		switch path[1] {
		case "listener_direction":
			switch ci.Direction {
			case "INBOUND":
				return i64(1), true
			case "OUTBOUND":
				return i64(2), true
			}
			return i64(0), true
		case "filter_chain_name":
			return []byte(ci.ChainName), true
		}
	}
	return nil, false
}

func (p *props) connection(field string) ([]byte, bool) {
	ci := p.ci
	switch field {
	case "id":
		return i64(int64(ci.ID)), true
	case "mtls":
		if ci.TLS != nil && len(ci.TLS.PeerCertificates) > 0 {
			return []byte{1}, true
		}
		return []byte{0}, true
	case "requested_server_name":
		if ci.TLS == nil {
			return []byte{}, true
		}
		return []byte(ci.TLS.ServerName), true
	case "uri_san_peer_certificate":
		if ci.TLS == nil || len(ci.TLS.PeerCertificates) == 0 || len(ci.TLS.PeerCertificates[0].URIs) == 0 {
			return nil, false
		}
		return []byte(ci.TLS.PeerCertificates[0].URIs[0].String()), true
	}
	return nil, false
}
