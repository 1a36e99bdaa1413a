package api

// Gateway (networking.istio.io/v1) describes a load balancer at the edge of
// the mesh: the ports it listens on, the hosts it serves and their TLS.
type Gateway struct {
	// Servers exposed by the gateway.
	Servers []Server `json:"servers,omitempty"`
	// Selector chooses the gateway proxies (by labels) that apply this
	// configuration.
	Selector map[string]string `json:"selector,omitempty"`
}

// Server is one port of a gateway and the hosts it serves.
type Server struct {
	// Port the proxy listens on.
	Port *Port `json:"port"`
	// Bind is the IP or Unix socket to bind to.
	Bind string `json:"bind,omitempty"`
	// Hosts served, optionally "namespace/host" to limit which
	// VirtualServices may bind.
	Hosts []string `json:"hosts"`
	// TLS settings of this server.
	TLS *ServerTLSSettings `json:"tls,omitempty"`
	// DefaultEndpoint to forward to (sidecar ingress only).
	DefaultEndpoint string `json:"defaultEndpoint,omitempty"`
	// Name of the server, unique within the gateway.
	Name string `json:"name,omitempty"`
}

// ServerTLSSettings configure TLS termination on a server.
type ServerTLSSettings struct {
	// HTTPSRedirect makes plain-HTTP requests redirect to HTTPS.
	HTTPSRedirect bool `json:"httpsRedirect,omitempty"`
	// Mode: PASSTHROUGH, SIMPLE, MUTUAL, AUTO_PASSTHROUGH, ISTIO_MUTUAL or
	// OPTIONAL_MUTUAL.
	Mode ServerTLSMode `json:"mode,omitempty"`
	// ServerCertificate file (PEM).
	ServerCertificate string `json:"serverCertificate,omitempty"`
	// PrivateKey file (PEM).
	PrivateKey string `json:"privateKey,omitempty"`
	// CACertificates file to verify clients (MUTUAL).
	CACertificates string `json:"caCertificates,omitempty"`
	// CACrl file of revoked client certificates.
	CACrl string `json:"caCrl,omitempty"`
	// CredentialName of a secret holding certificate and key.
	CredentialName string `json:"credentialName,omitempty"`
	// CredentialNames of several secrets (e.g. RSA and ECDSA).
	CredentialNames []string `json:"credentialNames,omitempty"`
	// CACertCredentialName of a secret holding the CA certificate (MUTUAL).
	CACertCredentialName string `json:"caCertCredentialName,omitempty"`
	// TLSCertificates served (e.g. RSA and ECDSA), as files.
	TLSCertificates []TLSCertificate `json:"tlsCertificates,omitempty"`
	// SubjectAltNames accepted in client certificates.
	SubjectAltNames []string `json:"subjectAltNames,omitempty"`
	// VerifyCertificateSpki lists accepted base64 SPKI hashes.
	VerifyCertificateSpki []string `json:"verifyCertificateSpki,omitempty"`
	// VerifyCertificateHash lists accepted hex certificate hashes.
	VerifyCertificateHash []string `json:"verifyCertificateHash,omitempty"`
	// MinProtocolVersion: TLS_AUTO, TLSV1_0, TLSV1_1, TLSV1_2 or TLSV1_3.
	MinProtocolVersion TLSProtocol `json:"minProtocolVersion,omitempty"`
	// MaxProtocolVersion: as MinProtocolVersion.
	MaxProtocolVersion TLSProtocol `json:"maxProtocolVersion,omitempty"`
	// CipherSuites allowed.
	CipherSuites []string `json:"cipherSuites,omitempty"`
	// InsecureSkipVerify skips client certificate verification (MUTUAL).
	InsecureSkipVerify *bool `json:"insecureSkipVerify,omitempty"`
}

// TLSCertificate is a certificate and key served by a server.
type TLSCertificate struct {
	// ServerCertificate file (PEM).
	ServerCertificate string `json:"serverCertificate,omitempty"`
	// PrivateKey file (PEM).
	PrivateKey string `json:"privateKey,omitempty"`
	// CACertificates file to verify clients.
	CACertificates string `json:"caCertificates,omitempty"`
}

// ServerTLSMode is the TLS mode of a server.
type ServerTLSMode string

// Server TLS modes.
const (
	ServerTLSPassthrough     ServerTLSMode = "PASSTHROUGH"
	ServerTLSSimple          ServerTLSMode = "SIMPLE"
	ServerTLSMutual          ServerTLSMode = "MUTUAL"
	ServerTLSAutoPassthrough ServerTLSMode = "AUTO_PASSTHROUGH"
	ServerTLSIstioMutual     ServerTLSMode = "ISTIO_MUTUAL"
	ServerTLSOptionalMutual  ServerTLSMode = "OPTIONAL_MUTUAL"
)

// Values lists the accepted modes.
func (ServerTLSMode) Values() []string {
	return []string{"PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL"}
}

// TLSProtocol is a TLS protocol version.
type TLSProtocol string

// Values lists the accepted versions.
func (TLSProtocol) Values() []string {
	return []string{"TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"}
}
