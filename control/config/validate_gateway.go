package config

import (
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

func (v *validator) gateway(path string, s *api.Gateway) {
	if len(s.Servers) == 0 {
		v.add(path+".servers", "at least one server is required")
	}
	names := map[string]int{}
	for i := range s.Servers {
		srv := &s.Servers[i]
		p := idx(path+".servers", i)
		if srv.Port == nil {
			v.add(p+".port", "required")
		} else {
			v.port(p+".port.number", srv.Port.Number)
			v.required(p+".port.protocol", string(srv.Port.Protocol))
			v.optPort(p+".port.targetPort", srv.Port.TargetPort)
		}
		if len(srv.Hosts) == 0 {
			v.add(p+".hosts", "at least one host is required")
		}
		for j, h := range srv.Hosts {
			v.nsHost(idx(p+".hosts", j), h, false)
		}
		if srv.Name != "" {
			if j, dup := names[srv.Name]; dup {
				v.add(p+".name", "duplicate server name %q (also servers[%d])", srv.Name, j)
			}
			names[srv.Name] = i
		}
		if srv.Port != nil && (srv.Port.Protocol == api.ProtocolHTTPS || srv.Port.Protocol == api.ProtocolTLS) && srv.TLS == nil {
			v.add(p+".tls", "required for protocol %s", srv.Port.Protocol)
		}
		v.serverTLS(p+".tls", srv.TLS)
	}
	v.labels(path+".selector", s.Selector)
}

func (v *validator) serverTLS(path string, t *api.ServerTLSSettings) {
	if t == nil {
		return
	}
	switch t.Mode {
	case api.ServerTLSSimple, api.ServerTLSMutual, api.ServerTLSOptionalMutual:
		hasCred := t.CredentialName != "" || len(t.CredentialNames) > 0
		if !hasCred && len(t.TLSCertificates) == 0 && (t.ServerCertificate == "" || t.PrivateKey == "") {
			v.add(path, "mode %s requires credentialName, tlsCertificates, or serverCertificate and privateKey", t.Mode)
		}
		hasCA := hasCred || t.CACertificates != "" || t.CACertCredentialName != ""
		for _, c := range t.TLSCertificates {
			hasCA = hasCA || c.CACertificates != ""
		}
		if t.Mode != api.ServerTLSSimple && !hasCA {
			v.add(path+".caCertificates", "required for mode %s (or use credentialName or caCertCredentialName)", t.Mode)
		}
	}
	if len(t.TLSCertificates) > 0 {
		v.exclusive(path, []string{"tlsCertificates", "serverCertificate", "credentialName", "credentialNames"},
			true, t.ServerCertificate != "", t.CredentialName != "", len(t.CredentialNames) > 0)
	}
	for i, c := range t.TLSCertificates {
		p := idx(path+".tlsCertificates", i)
		v.required(p+".serverCertificate", c.ServerCertificate)
		v.required(p+".privateKey", c.PrivateKey)
	}
	v.exclusive(path, []string{"credentialName", "credentialNames"}, t.CredentialName != "", len(t.CredentialNames) > 0)
	if len(t.CredentialNames) > 2 {
		v.add(path+".credentialNames", "at most 2 credentials (one RSA, one ECDSA), got %d", len(t.CredentialNames))
	}
	for i, h := range t.VerifyCertificateHash {
		hex := strings.ReplaceAll(h, ":", "")
		if len(hex) != 64 || strings.Trim(strings.ToLower(hex), "0123456789abcdef") != "" {
			v.add(idx(path+".verifyCertificateHash", i), "must be a sha256 hash in hex, got %q", h)
		}
	}
	if order(t.MinProtocolVersion) > 0 && order(t.MaxProtocolVersion) > 0 && order(t.MinProtocolVersion) > order(t.MaxProtocolVersion) {
		v.add(path+".minProtocolVersion", "%s is above maxProtocolVersion %s", t.MinProtocolVersion, t.MaxProtocolVersion)
	}
}

// order ranks TLS versions; 0 for unset or TLS_AUTO.
func order(p api.TLSProtocol) int {
	switch p {
	case "TLSV1_0":
		return 1
	case "TLSV1_1":
		return 2
	case "TLSV1_2":
		return 3
	case "TLSV1_3":
		return 4
	}
	return 0
}
