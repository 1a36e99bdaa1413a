package spiffe

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrNoID: the certificate carries no single, valid SPIFFE ID.
var ErrNoID = errors.New("spiffe: no valid SPIFFE ID")

// ID is a SPIFFE ID, spiffe://<trust domain><path>.
type ID struct {
	TrustDomain string
	Path        string
}

// String returns the ID in its URI form.
func (id ID) String() string { return "spiffe://" + id.TrustDomain + id.Path }

// ParseID parses a spiffe:// URI: a trust domain and an optional path,
// nothing else (no port, user, query or fragment).
func ParseID(s string) (ID, error) {
	u, err := url.Parse(s)
	if err != nil {
		return ID{}, fmt.Errorf("%w: %q: %w", ErrNoID, s, err)
	}
	return fromURL(u)
}

func fromURL(u *url.URL) (ID, error) {
	if u.Scheme != "spiffe" || u.Host == "" || u.Port() != "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return ID{}, fmt.Errorf("%w: %q", ErrNoID, u.String())
	}
	if strings.ToLower(u.Host) != u.Host || strings.HasSuffix(u.Path, "/") {
		return ID{}, fmt.Errorf("%w: %q is not in canonical form", ErrNoID, u.String())
	}
	return ID{TrustDomain: u.Host, Path: u.Path}, nil
}

// IDFromCert returns the SPIFFE ID of an X.509 SVID: its one URI SAN.
func IDFromCert(c *x509.Certificate) (ID, error) {
	if len(c.URIs) != 1 {
		return ID{}, fmt.Errorf("%w: certificate has %d URI SANs", ErrNoID, len(c.URIs))
	}
	return fromURL(c.URIs[0])
}

// NamespaceServiceAccount returns the namespace and service account of an
// Istio-style ID (/ns/<ns>/sa/<sa>), and false for any other path.
func (id ID) NamespaceServiceAccount() (ns, sa string, ok bool) {
	parts := strings.Split(id.Path, "/")
	if len(parts) != 5 || parts[0] != "" || parts[1] != "ns" || parts[3] != "sa" || parts[2] == "" || parts[4] == "" {
		return "", "", false
	}
	return parts[2], parts[4], true
}
