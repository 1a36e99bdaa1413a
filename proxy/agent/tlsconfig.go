package agent

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/wasmesh/wasmesh/proxy/agent/spiffe"
)

// ErrNoCertificate: the agent has no usable certificate (none yet, or expired).
var ErrNoCertificate = errors.New("agent: no valid certificate")

// Authorize decides whether a verified peer may connect; nil accepts any
// peer whose chain verifies.
type Authorize func(peer spiffe.ID) error

// GetCertificate returns the current certificate, as tls.Config's
// GetCertificate wants it; rotations take effect on the next handshake.
func (a *Agent) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	m := a.Current()
	if m == nil {
		return nil, fmt.Errorf("%w: not issued yet", ErrNoCertificate)
	}
	if time.Now().After(m.Leaf().NotAfter) {
		return nil, fmt.Errorf("%w: expired at %s", ErrNoCertificate, m.Leaf().NotAfter.UTC().Format(time.RFC3339))
	}
	return &m.Certificate, nil
}

// VerifyPeer verifies a peer's DER chain against the current trust bundle
// and revocation list and returns its SPIFFE ID.
func (a *Agent) VerifyPeer(rawCerts [][]byte) (spiffe.ID, error) {
	a.mu.RLock()
	roots, revoked := a.bundle, a.revoked
	a.mu.RUnlock()
	if len(roots) == 0 {
		return spiffe.ID{}, fmt.Errorf("%w: no trust bundle yet", spiffe.ErrUntrusted)
	}
	return spiffe.VerifyRaw(rawCerts, roots, revoked, time.Now())
}

// verifier adapts VerifyPeer and authorize to tls.Config.VerifyPeerCertificate.
func (a *Agent) verifier(authorize Authorize) func([][]byte, [][]*x509.Certificate) error {
	return func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
		id, err := a.VerifyPeer(rawCerts)
		if err != nil {
			return err
		}
		if authorize != nil {
			if err := authorize(id); err != nil {
				return fmt.Errorf("agent: peer %s not authorized: %w", id, err)
			}
		}
		return nil
	}
}

// ServerTLSConfig is an mTLS server configuration: it presents the current
// certificate and requires a client certificate that verifies as a SPIFFE
// SVID against the bundle, is not revoked and passes authorize.
func (a *Agent) ServerTLSConfig(authorize Authorize) *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: a.GetCertificate,
		// The chain is verified by VerifyPeerCertificate against the current
		// bundle, which changes at run time; a static ClientCAs pool cannot.
		ClientAuth:            tls.RequireAnyClientCert,
		VerifyPeerCertificate: a.verifier(authorize),
	}
}

// ClientTLSConfig is an mTLS client configuration: it presents the current
// certificate and accepts a server whose certificate verifies as a SPIFFE
// SVID (no host name check: the identity is the SPIFFE ID) and passes
// authorize.
func (a *Agent) ClientTLSConfig(authorize Authorize) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return a.GetCertificate(nil)
		},
		// Verification is done by VerifyPeerCertificate, against the SPIFFE
		// bundle instead of the system roots and host names.
		InsecureSkipVerify:    true,
		VerifyPeerCertificate: a.verifier(authorize),
	}
}
