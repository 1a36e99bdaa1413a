package agent

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
)

// Names of the SDS secrets, as Istio's agent names them.
const (
	SecretDefault = "default"
	SecretRootCA  = "ROOTCA"
)

// ErrUnknownSecret: the agent serves only SecretDefault and SecretRootCA.
var ErrUnknownSecret = errors.New("agent: unknown secret")

// Secret returns the named secret as Envoy SDS serves it: "default" is the
// tls_certificate (chain and key inline), "ROOTCA" the validation_context
// with the trust bundle. The key stays in the process: the secret is for
// the in-process SDS only.
func (a *Agent) Secret(name string) (*tlsv3.Secret, error) {
	switch name {
	case SecretDefault:
		m := a.Current()
		if m == nil {
			return nil, fmt.Errorf("%w: not issued yet", ErrNoCertificate)
		}
		der, err := x509.MarshalPKCS8PrivateKey(m.Certificate.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("agent: secret %s: %w", name, err)
		}
		return &tlsv3.Secret{
			Name: SecretDefault,
			Type: &tlsv3.Secret_TlsCertificate{TlsCertificate: &tlsv3.TlsCertificate{
				CertificateChain: inline(m.ChainPEM()),
				PrivateKey:       inline(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
			}},
		}, nil
	case SecretRootCA:
		roots := a.TrustBundle()
		if len(roots) == 0 {
			return nil, fmt.Errorf("%w: no trust bundle yet", ErrNoCertificate)
		}
		var b []byte
		for _, r := range roots {
			b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Raw})...)
		}
		return &tlsv3.Secret{
			Name: SecretRootCA,
			Type: &tlsv3.Secret_ValidationContext{ValidationContext: &tlsv3.CertificateValidationContext{
				TrustedCa: inline(b),
			}},
		}, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownSecret, name)
}

func inline(b []byte) *corev3.DataSource {
	return &corev3.DataSource{Specifier: &corev3.DataSource_InlineBytes{InlineBytes: b}}
}
