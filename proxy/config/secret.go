package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"

	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
)

// TranslateSecret translates an SDS Secret holding a tls_certificate or a validation_context.
func TranslateSecret(s *tlsv3.Secret) (*Secret, error) {
	out, err := secret(s)
	return out, wrap("secret", s.GetName(), err)
}

func secret(s *tlsv3.Secret) (*Secret, error) {
	if err := onlyFields(s, "name", "tls_certificate", "validation_context"); err != nil {
		return nil, err
	}
	out := &Secret{Name: s.GetName()}
	switch {
	case s.GetTlsCertificate() != nil:
		c, err := tlsCertificate("tls_certificate", s.GetTlsCertificate())
		if err != nil {
			return nil, err
		}
		out.Certificate = c
	case s.GetValidationContext() != nil:
		if err := validationContext("validation_context", s.GetValidationContext(), out); err != nil {
			return nil, err
		}
	default:
		return nil, invalid("type", "neither tls_certificate nor validation_context")
	}
	return out, nil
}

func tlsCertificate(field string, c *tlsv3.TlsCertificate) (*tls.Certificate, error) {
	if err := onlyFields(c, "certificate_chain", "private_key"); err != nil {
		return nil, at(field, err)
	}
	chain, err := dataSource(field+".certificate_chain", c.GetCertificateChain())
	if err != nil {
		return nil, err
	}
	key, err := dataSource(field+".private_key", c.GetPrivateKey())
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(chain, key)
	if err != nil {
		return nil, invalid(field, "%v", err)
	}
	return &cert, nil
}

func validationContext(field string, v *tlsv3.CertificateValidationContext, out *Secret) error {
	if err := onlyFields(v, "trusted_ca", "match_subject_alt_names", "match_typed_subject_alt_names"); err != nil {
		return at(field, err)
	}
	if v.GetTrustedCa() != nil {
		pem, err := dataSource(field+".trusted_ca", v.GetTrustedCa())
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return invalid(field+".trusted_ca", "no PEM certificates")
		}
		out.Roots = pool
	}
	sans, err := sanMatchers(field, v)
	if err != nil {
		return err
	}
	out.MatchSANs = sans
	return nil
}

func sanMatchers(field string, v *tlsv3.CertificateValidationContext) ([]SANMatcher, error) {
	var out []SANMatcher
	add := func(f string, m *matcherv3.StringMatcher) error {
		sm, err := stringMatcher(f, m)
		if err != nil {
			return err
		}
		out = append(out, SANMatcher{Kind: sm.Kind, Value: sm.Value, Regex: sm.Regex})
		return nil
	}
	for i, m := range v.GetMatchSubjectAltNames() {
		if err := add(fmt.Sprintf("%s.match_subject_alt_names[%d]", field, i), m); err != nil {
			return nil, err
		}
	}
	for i, m := range v.GetMatchTypedSubjectAltNames() {
		f := fmt.Sprintf("%s.match_typed_subject_alt_names[%d]", field, i)
		if t := m.GetSanType(); t != tlsv3.SubjectAltNameMatcher_URI && t != tlsv3.SubjectAltNameMatcher_DNS {
			return nil, unsupported(f+".san_type", "%v (only URI and DNS)", t)
		}
		if err := add(f+".matcher", m.GetMatcher()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MatchSAN reports whether any of the URI or DNS SANs of cert satisfies one of ms.
// An empty ms matches everything.
func MatchSAN(ms []SANMatcher, cert *x509.Certificate) bool {
	if len(ms) == 0 {
		return true
	}
	var names []string
	for _, u := range cert.URIs {
		names = append(names, u.String())
	}
	names = append(names, cert.DNSNames...)
	for _, m := range ms {
		sm := StringMatcher{Kind: m.Kind, Value: m.Value, Regex: m.Regex}
		for _, n := range names {
			if sm.Match(n) {
				return true
			}
		}
	}
	return false
}

// commonTLS reads the certificate, validation and ALPN of a CommonTlsContext.
func commonTLS(field string, c *tlsv3.CommonTlsContext) (cert, validation SecretRef, sans []SANMatcher, alpn []string, err error) {
	if err = onlyFields(c, "tls_certificates", "tls_certificate_sds_secret_configs", "validation_context",
		"validation_context_sds_secret_config", "combined_validation_context", "alpn_protocols", "tls_params"); err != nil {
		return cert, validation, nil, nil, at(field, err)
	}
	if err = onlyFields(c.GetTlsParams(), "tls_minimum_protocol_version", "tls_maximum_protocol_version"); err != nil {
		return cert, validation, nil, nil, at(field+".tls_params", err)
	}
	alpn = c.GetAlpnProtocols()
	switch {
	case len(c.GetTlsCertificates()) > 1 || len(c.GetTlsCertificateSdsSecretConfigs()) > 1:
		return cert, validation, nil, nil, unsupported(field+".tls_certificates", "more than one certificate")
	case len(c.GetTlsCertificates()) == 1:
		tc, e := tlsCertificate(field+".tls_certificates[0]", c.GetTlsCertificates()[0])
		if e != nil {
			return cert, validation, nil, nil, e
		}
		cert.Inline = &Secret{Certificate: tc}
	case len(c.GetTlsCertificateSdsSecretConfigs()) == 1:
		sds := c.GetTlsCertificateSdsSecretConfigs()[0]
		if sds.GetName() == "" {
			return cert, validation, nil, nil, invalid(field+".tls_certificate_sds_secret_configs[0].name", "empty")
		}
		cert.Name = sds.GetName()
	}
	switch {
	case c.GetValidationContext() != nil:
		s := &Secret{}
		if e := validationContext(field+".validation_context", c.GetValidationContext(), s); e != nil {
			return cert, validation, nil, nil, e
		}
		validation.Inline, sans = s, s.MatchSANs
	case c.GetValidationContextSdsSecretConfig() != nil:
		validation.Name = c.GetValidationContextSdsSecretConfig().GetName()
	case c.GetCombinedValidationContext() != nil:
		cv := c.GetCombinedValidationContext()
		f := field + ".combined_validation_context"
		if e := onlyFields(cv, "default_validation_context", "validation_context_sds_secret_config"); e != nil {
			return cert, validation, nil, nil, at(f, e)
		}
		s := &Secret{}
		if e := validationContext(f+".default_validation_context", cv.GetDefaultValidationContext(), s); e != nil {
			return cert, validation, nil, nil, e
		}
		sans = s.MatchSANs
		if s.Roots != nil {
			return cert, validation, nil, nil, unsupported(f+".default_validation_context.trusted_ca", "use the SDS validation context for roots")
		}
		validation.Name = cv.GetValidationContextSdsSecretConfig().GetName()
		if validation.Name == "" {
			return cert, validation, nil, nil, invalid(f+".validation_context_sds_secret_config.name", "empty")
		}
	}
	return cert, validation, sans, alpn, nil
}
