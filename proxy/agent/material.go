package agent

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/wasmesh/wasmesh/internal/pki"
	"github.com/wasmesh/wasmesh/proxy/agent/spiffe"
)

// Material is one issued SVID with its key and the bundle it came with. It
// is immutable: a rotation makes a new Material.
type Material struct {
	// ID is the SPIFFE ID of the certificate.
	ID spiffe.ID
	// Certificate holds the leaf and intermediates (DER), the private key and the parsed leaf.
	Certificate tls.Certificate
	// Roots is the trust bundle the CA returned, the root that signed this chain first.
	Roots []*x509.Certificate
	// IssuedAt is when the agent received the certificate; RefreshAt is half
	// way from then to the certificate's expiry.
	IssuedAt, RefreshAt time.Time
}

// Leaf is the parsed leaf certificate.
func (m *Material) Leaf() *x509.Certificate { return m.Certificate.Leaf }

// ChainPEM is the leaf and intermediates as PEM.
func (m *Material) ChainPEM() []byte {
	var b bytes.Buffer
	for _, der := range m.Certificate.Certificate {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	return b.Bytes()
}

// newMaterial checks a CA response (leaf, intermediates..., bundle PEM last)
// against the key and ID the agent asked for, and that the chain verifies
// against the returned bundle.
func newMaterial(chain []string, key *ecdsa.PrivateKey, want spiffe.ID, now time.Time) (*Material, error) {
	if len(chain) < 2 {
		return nil, fmt.Errorf("agent: ca returned %d chain entries, want the leaf and the roots at least", len(chain))
	}
	var certs []*x509.Certificate
	for i, p := range chain[:len(chain)-1] {
		cs, err := pki.ParseCertificates([]byte(p))
		if err != nil {
			return nil, fmt.Errorf("agent: chain entry %d: %w", i, err)
		}
		certs = append(certs, cs...)
	}
	roots, err := pki.ParseCertificates([]byte(chain[len(chain)-1]))
	if err != nil {
		return nil, fmt.Errorf("agent: ca roots: %w", err)
	}
	leaf := certs[0]
	if !key.PublicKey.Equal(leaf.PublicKey) {
		return nil, errors.New("agent: ca returned a certificate for another key")
	}
	id, err := spiffe.Verify(certs, roots, nil, now)
	if err != nil {
		return nil, fmt.Errorf("agent: ca returned an unusable certificate: %w", err)
	}
	if id != want {
		return nil, fmt.Errorf("agent: ca returned a certificate for %s, want %s", id, want)
	}
	m := &Material{
		ID:       id,
		Roots:    roots,
		IssuedAt: now,
		Certificate: tls.Certificate{
			PrivateKey: key,
			Leaf:       leaf,
		},
	}
	for _, c := range certs {
		m.Certificate.Certificate = append(m.Certificate.Certificate, c.Raw)
	}
	m.RefreshAt = now.Add(leaf.NotAfter.Sub(now) / 2)
	return m, nil
}
