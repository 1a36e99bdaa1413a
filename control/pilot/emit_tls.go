package pilot

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
)

// commonTLS builds a TLS context: the mesh identity from the agent's SDS
// ("default", "ROOTCA"), certificate files, or a credential from meshd's
// SDS; SANs are matched as URIs (SPIFFE) or DNS names.
func commonTLS(mesh bool, certFile, keyFile, caFile, sdsName string, sans, alpn []string, verify bool) *tlsv3.CommonTlsContext {
	out := &tlsv3.CommonTlsContext{AlpnProtocols: alpn}
	var matchers []*tlsv3.SubjectAltNameMatcher
	for _, s := range sans {
		t := tlsv3.SubjectAltNameMatcher_DNS
		if len(s) > 9 && s[:9] == "spiffe://" {
			t = tlsv3.SubjectAltNameMatcher_URI
		}
		matchers = append(matchers, &tlsv3.SubjectAltNameMatcher{SanType: t,
			Matcher: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: s}}})
	}
	switch {
	case mesh:
		out.TlsCertificateSdsSecretConfigs = []*tlsv3.SdsSecretConfig{{Name: SecretDefault, SdsConfig: sdsSource()}}
		if verify {
			out.ValidationContextType = &tlsv3.CommonTlsContext_CombinedValidationContext{CombinedValidationContext: &tlsv3.CommonTlsContext_CombinedCertificateValidationContext{
				DefaultValidationContext:         &tlsv3.CertificateValidationContext{MatchTypedSubjectAltNames: matchers},
				ValidationContextSdsSecretConfig: &tlsv3.SdsSecretConfig{Name: SecretRootCA, SdsConfig: sdsSource()}}}
		}
		return out
	case sdsName != "":
		out.TlsCertificateSdsSecretConfigs = []*tlsv3.SdsSecretConfig{{Name: sdsName, SdsConfig: adsSource()}}
		if verify {
			out.ValidationContextType = &tlsv3.CommonTlsContext_ValidationContextSdsSecretConfig{
				ValidationContextSdsSecretConfig: &tlsv3.SdsSecretConfig{Name: sdsName + "-cacert", SdsConfig: adsSource()}}
		}
		return out
	}
	if certFile != "" {
		out.TlsCertificates = []*tlsv3.TlsCertificate{{CertificateChain: file(certFile), PrivateKey: file(keyFile)}}
	}
	if caFile != "" || len(matchers) > 0 {
		vc := &tlsv3.CertificateValidationContext{MatchTypedSubjectAltNames: matchers}
		if caFile != "" {
			vc.TrustedCa = file(caFile)
		}
		out.ValidationContextType = &tlsv3.CommonTlsContext_ValidationContext{ValidationContext: vc}
	}
	return out
}

func file(name string) *corev3.DataSource {
	return &corev3.DataSource{Specifier: &corev3.DataSource_Filename{Filename: name}}
}

func inline(s string) *corev3.DataSource {
	return &corev3.DataSource{Specifier: &corev3.DataSource_InlineString{InlineString: s}}
}

func emitSecret(s *SecretIR) *tlsv3.Secret {
	out := &tlsv3.Secret{Name: s.Name}
	if s.Cert != "" {
		out.Type = &tlsv3.Secret_TlsCertificate{TlsCertificate: &tlsv3.TlsCertificate{CertificateChain: inline(s.Cert), PrivateKey: inline(s.Key)}}
		return out
	}
	out.Type = &tlsv3.Secret_ValidationContext{ValidationContext: &tlsv3.CertificateValidationContext{TrustedCa: inline(s.CA)}}
	return out
}
