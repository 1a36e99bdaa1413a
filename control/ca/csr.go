package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// maxCSRBytes bounds the PEM a caller may send; a workload CSR is under 1 KiB.
const maxCSRBytes = 16 << 10

// ParseCSR decodes exactly one PEM "CERTIFICATE REQUEST", checks its
// self-signature and its key: ECDSA P-256 or P-384, or RSA of 2048 bits or
// more (what Istio's agents send by default).
func ParseCSR(data []byte) (*x509.CertificateRequest, error) {
	if len(data) > maxCSRBytes {
		return nil, fmt.Errorf("%w: %d bytes is over the %d byte limit", ErrInvalidCSR, len(data), maxCSRBytes)
	}
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, fmt.Errorf("%w: no PEM CERTIFICATE REQUEST block", ErrInvalidCSR)
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, fmt.Errorf("%w: more than one PEM block", ErrInvalidCSR)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCSR, err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrInvalidCSR, err)
	}
	switch k := csr.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return nil, fmt.Errorf("%w: unsupported curve %s", ErrInvalidCSR, k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("%w: rsa key of %d bits is under 2048", ErrInvalidCSR, k.N.BitLen())
		}
	default:
		return nil, fmt.Errorf("%w: unsupported key type %T", ErrInvalidCSR, csr.PublicKey)
	}
	return csr, nil
}

// checkSANs accepts a CSR whose only subject alternative name is the URI
// want: a CSR naming another identity, or any extra name, is refused.
func checkSANs(csr *x509.CertificateRequest, want string) error {
	if n := len(csr.DNSNames) + len(csr.EmailAddresses) + len(csr.IPAddresses); n > 0 {
		return fmt.Errorf("%w: csr asks for %d DNS/email/IP names besides %s", ErrPermissionDenied, n, want)
	}
	if len(csr.URIs) != 1 {
		return fmt.Errorf("%w: csr has %d URI SANs, want exactly %s", ErrPermissionDenied, len(csr.URIs), want)
	}
	if got := csr.URIs[0].String(); got != want {
		return fmt.Errorf("%w: csr asks for %s, caller is %s", ErrPermissionDenied, got, want)
	}
	return nil
}
