package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
)

func (c *Cluster) transports(secrets Secrets) (h1, h2 *http.Transport) {
	idle := c.Config.IdleTimeout
	if idle == 0 {
		idle = time.Hour
	}
	base := func() *http.Transport {
		return &http.Transport{
			DialContext:            c.dial,
			MaxIdleConns:           0,
			MaxIdleConnsPerHost:    1024,
			IdleConnTimeout:        idle,
			TLSHandshakeTimeout:    c.Config.ConnectTimeout,
			ExpectContinueTimeout:  0,
			DisableCompression:     true,
			MaxResponseHeaderBytes: 1 << 20,
		}
	}
	h1, h2 = base(), base()
	if l := c.Config.Limits.MaxConnections; l > 0 && c.Config.Protocol != config.UpstreamHTTP2 {
		h1.MaxConnsPerHost = l
	}
	h1.Protocols = new(http.Protocols)
	h1.Protocols.SetHTTP1(true)
	h2.Protocols = new(http.Protocols)
	if c.Config.TLS != nil {
		h2.Protocols.SetHTTP2(true)
		h1.TLSClientConfig = c.tlsConfig(secrets, []string{"http/1.1"})
		h2.TLSClientConfig = c.tlsConfig(secrets, []string{"h2"})
	} else {
		h2.Protocols.SetUnencryptedHTTP2(true)
	}
	h2.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 0, PingTimeout: 15 * time.Second, SendPingTimeout: 0}
	return h1, h2
}

// tlsConfig builds a client config that reads the SDS secrets at handshake
// time (so rotation needs no rebuild) and verifies the peer's chain and SANs.
func (c *Cluster) tlsConfig(secrets Secrets, defaultALPN []string) *tls.Config {
	t := c.Config.TLS
	alpn := t.ALPN
	if len(alpn) == 0 {
		alpn = defaultALPN
	}
	cfg := &tls.Config{
		ServerName:         t.SNI,
		NextProtos:         alpn,
		InsecureSkipVerify: true, // verification is done in VerifyConnection with the SDS roots
		MinVersion:         tls.VersionTLS12,
	}
	if !t.Cert.IsZero() {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			s := resolve(secrets, t.Cert)
			if s == nil || s.Certificate == nil {
				return nil, fmt.Errorf("cluster %s: client certificate %q not available", c.Config.Name, t.Cert.Name)
			}
			return s.Certificate, nil
		}
	}
	if !t.Validation.IsZero() || len(t.MatchSANs) > 0 {
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			val := resolve(secrets, t.Validation)
			if val == nil && !t.Validation.IsZero() {
				return fmt.Errorf("%w: validation context %q not available", ErrPeerVerification, t.Validation.Name)
			}
			return verifyPeer(val, t.MatchSANs, cs, x509.ExtKeyUsageServerAuth)
		}
	}
	return cfg
}

func resolve(secrets Secrets, r config.SecretRef) *config.Secret {
	if r.Inline != nil {
		return r.Inline
	}
	if r.Name == "" || secrets == nil {
		return nil
	}
	return secrets.Secret(r.Name)
}

// ErrPeerVerification is returned when a peer certificate fails verification.
var ErrPeerVerification = errors.New("tls peer verification failed")

// verifyPeer checks the peer chain against the validation secret's roots and
// its SANs against the matchers (SPIFFE identities are URI SANs).
func verifyPeer(val *config.Secret, sans []config.SANMatcher, cs tls.ConnectionState, usage x509.ExtKeyUsage) error {
	if len(cs.PeerCertificates) == 0 {
		return fmt.Errorf("%w: no peer certificate", ErrPeerVerification)
	}
	leaf := cs.PeerCertificates[0]
	if val != nil && val.Roots != nil {
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: val.Roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			return fmt.Errorf("%w: %v", ErrPeerVerification, err)
		}
	} else if val == nil && len(sans) == 0 {
		return fmt.Errorf("%w: validation context not available", ErrPeerVerification)
	}
	m := sans
	if len(m) == 0 && val != nil {
		m = val.MatchSANs
	}
	if !config.MatchSAN(m, leaf) {
		return fmt.Errorf("%w: no subject alternative name matches", ErrPeerVerification)
	}
	if val != nil && val.Verify != nil {
		raw := make([][]byte, len(cs.PeerCertificates))
		for i, c := range cs.PeerCertificates {
			raw[i] = c.Raw
		}
		if err := val.Verify(raw); err != nil {
			return fmt.Errorf("%w: %w", ErrPeerVerification, err)
		}
	}
	return nil
}

// VerifyPeer is verifyPeer for downstream (client certificate) checks.
func VerifyPeer(val *config.Secret, sans []config.SANMatcher, cs tls.ConnectionState) error {
	return verifyPeer(val, sans, cs, x509.ExtKeyUsageClientAuth)
}
