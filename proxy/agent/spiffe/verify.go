package spiffe

import (
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Errors callers branch on.
var (
	ErrUntrusted = errors.New("spiffe: peer chain is not trusted")
	ErrExpired   = errors.New("spiffe: peer certificate is expired or not yet valid")
	ErrRevoked   = errors.New("spiffe: peer certificate is revoked")
	ErrNoPeer    = errors.New("spiffe: peer sent no certificate")
)

// Revocations is a set of revoked leaf serials and SPIFFE IDs. The zero
// value revokes nothing. It is immutable once built.
type Revocations struct {
	serials map[string]struct{}
	ids     map[string]struct{}
}

// NewRevocations builds the set from serials (hex, colons allowed, any case)
// and SPIFFE IDs.
func NewRevocations(serials, ids []string) (*Revocations, error) {
	r := &Revocations{serials: map[string]struct{}{}, ids: map[string]struct{}{}}
	for _, s := range serials {
		n, ok := new(big.Int).SetString(strings.ToLower(strings.ReplaceAll(s, ":", "")), 16)
		if !ok || n.Sign() <= 0 {
			return nil, fmt.Errorf("spiffe: revocations: bad serial %q", s)
		}
		r.serials[n.Text(16)] = struct{}{}
	}
	for _, s := range ids {
		id, err := ParseID(s)
		if err != nil {
			return nil, fmt.Errorf("spiffe: revocations: %w", err)
		}
		r.ids[id.String()] = struct{}{}
	}
	return r, nil
}

// serialRevoked reports whether c's serial is listed.
func (r *Revocations) serialRevoked(c *x509.Certificate) bool {
	if r == nil {
		return false
	}
	_, ok := r.serials[c.SerialNumber.Text(16)]
	return ok
}

// idRevoked reports whether id is listed.
func (r *Revocations) idRevoked(id ID) bool {
	if r == nil {
		return false
	}
	_, ok := r.ids[id.String()]
	return ok
}

// Verify checks a peer chain (leaf first) against roots at time now:
// every certificate within its validity, the chain anchored in one of the
// roots, the leaf's serial and SPIFFE ID not revoked. It returns the leaf's
// SPIFFE ID.
func Verify(chain []*x509.Certificate, roots []*x509.Certificate, revoked *Revocations, now time.Time) (ID, error) {
	if len(chain) == 0 {
		return ID{}, ErrNoPeer
	}
	leaf := chain[0]
	id, err := IDFromCert(leaf)
	if err != nil {
		return ID{}, err
	}
	for _, c := range chain {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return ID{}, fmt.Errorf("%w: %s (serial %s) valid %s to %s", ErrExpired, id, c.SerialNumber.Text(16), c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
		}
	}
	rootPool, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, r := range roots {
		rootPool.AddCert(r)
	}
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	verified, err := leaf.Verify(x509.VerifyOptions{
		Roots:         rootPool,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return ID{}, fmt.Errorf("%w: %s: %w", ErrUntrusted, id, err)
	}
	if revoked.idRevoked(id) {
		return ID{}, fmt.Errorf("%w: %s", ErrRevoked, id)
	}
	// The leaf, or an intermediate on the verified path, may be revoked by serial.
	for _, c := range verified[0] {
		if revoked.serialRevoked(c) {
			return ID{}, fmt.Errorf("%w: %s: serial %s", ErrRevoked, id, c.SerialNumber.Text(16))
		}
	}
	return id, nil
}

// VerifyRaw is Verify over DER certificates, as tls.Config's
// VerifyPeerCertificate receives them.
func VerifyRaw(raw [][]byte, roots []*x509.Certificate, revoked *Revocations, now time.Time) (ID, error) {
	chain := make([]*x509.Certificate, 0, len(raw))
	for _, der := range raw {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return ID{}, fmt.Errorf("%w: %w", ErrUntrusted, err)
		}
		chain = append(chain, c)
	}
	return Verify(chain, roots, revoked, now)
}
