package listener

import (
	"crypto/tls"
	"fmt"

	"github.com/wasmesh/wasmesh/proxy/cluster"
	"github.com/wasmesh/wasmesh/proxy/config"
)

// serverTLS builds a downstream TLS config that reads SDS secrets at
// handshake time, so certificate rotation needs no listener change.
func (m *Manager) serverTLS(t *config.DownstreamTLS, http bool) *tls.Config {
	alpn := t.ALPN
	if len(alpn) == 0 && http {
		alpn = []string{"h2", "http/1.1"}
	}
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: alpn,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			s := m.resolve(t.Cert)
			if s == nil || s.Certificate == nil {
				return nil, fmt.Errorf("listener: server certificate %q not available", t.Cert.Name)
			}
			return s.Certificate, nil
		},
	}
	if !t.Validation.IsZero() {
		cfg.ClientAuth = tls.RequestClientCert
		if t.RequireClientCert {
			cfg.ClientAuth = tls.RequireAnyClientCert
		}
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				if t.RequireClientCert {
					return fmt.Errorf("listener: client certificate required")
				}
				return nil
			}
			val := m.resolve(t.Validation)
			if val == nil {
				return fmt.Errorf("listener: validation context %q not available", t.Validation.Name)
			}
			return cluster.VerifyPeer(val, t.MatchSANs, cs)
		}
	}
	return cfg
}

func (m *Manager) resolve(r config.SecretRef) *config.Secret {
	if r.Inline != nil {
		return r.Inline
	}
	if r.Name == "" || m.o.Secrets == nil {
		return nil
	}
	return m.o.Secrets.Secret(r.Name)
}
