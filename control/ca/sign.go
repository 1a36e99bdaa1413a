package ca

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"time"
)

// Sign issues a workload certificate for id from a PEM CSR whose only SAN
// must be id's SPIFFE ID. It returns the chain as Istio's CA does: the leaf,
// the intermediates, and last the PEM of every trusted root (the signing
// root first). validity is capped at the configured maximum; 0 asks for
// the default.
func (c *CA) Sign(csrPEM []byte, id Identity, validity time.Duration) ([]string, error) {
	if err := id.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPermissionDenied, err)
	}
	want := id.SPIFFEID(c.cfg.TrustDomain)
	csr, err := ParseCSR(csrPEM)
	if err != nil {
		return nil, err
	}
	if err := checkSANs(csr, want); err != nil {
		return nil, err
	}
	if c.IsRevoked(want, nil) {
		return nil, fmt.Errorf("%w: %s is revoked", ErrPermissionDenied, want)
	}
	u, err := url.Parse(want)
	if err != nil {
		return nil, fmt.Errorf("ca: spiffe id %q: %w", want, err)
	}
	ttl := c.ttl(validity)
	if validity > ttl {
		c.log.Info("ca: requested validity capped", "identity", want, "requested", validity, "granted", ttl)
	}
	tmpl := &x509.Certificate{
		URIs:        []*url.URL{u},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	chain, leaf, err := c.issue(tmpl, csr.PublicKey, ttl)
	if err != nil {
		return nil, err
	}
	c.log.Info("ca: issued certificate", "identity", want, "serial", SerialString(leaf.SerialNumber), "not_after", leaf.NotAfter)
	return chain, nil
}

// issue signs tmpl for pub with the current signer, for ttl from now (never
// past the signer's own expiry), and returns the PEM chain and the leaf.
func (c *CA) issue(tmpl *x509.Certificate, pub crypto.PublicKey, ttl time.Duration) ([]string, *x509.Certificate, error) {
	c.mu.RLock()
	s := c.signer
	bundle := c.bundleLocked(time.Now())
	c.mu.RUnlock()

	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	t := *tmpl
	t.SerialNumber = serial
	t.NotBefore = now.Add(-backdate)
	t.NotAfter = now.Add(ttl)
	t.BasicConstraintsValid = true
	if t.NotBefore.Before(s.cert.NotBefore) {
		t.NotBefore = s.cert.NotBefore
	}
	if t.NotAfter.After(s.cert.NotAfter) {
		t.NotAfter = s.cert.NotAfter
	}
	der, err := x509.CreateCertificate(rand.Reader, &t, s.cert, pub, s.key)
	if err != nil {
		return nil, nil, fmt.Errorf("ca: signing: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("ca: parsing issued certificate: %w", err)
	}
	chain := []string{string(certPEM(leaf))}
	for _, ic := range s.intermediates {
		chain = append(chain, string(certPEM(ic)))
	}
	chain = append(chain, string(certsPEM(bundle)))
	return chain, leaf, nil
}

// randomSerial returns a positive 128-bit serial number.
func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("ca: serial: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

// SerialString formats a serial number as the revocation list spells it:
// lowercase hex without separators or leading zeros.
func SerialString(n *big.Int) string { return n.Text(16) }

func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func certsPEM(cs []*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range cs {
		b.Write(certPEM(c))
	}
	return b.Bytes()
}
