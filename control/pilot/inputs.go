package pilot

import (
	"encoding/json"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
)

// Inputs is everything translation depends on besides the proxy itself:
// the current valid configs, the registry view and mesh-wide settings.
type Inputs struct {
	// Configs are the valid configs of every kind (already defaulted).
	Configs []api.Config
	// Services in the registry.
	Services []registry.Service
	// Endpoints of each service port.
	Endpoints map[EndpointKey][]registry.Endpoint
	// Modules maps a WasmPlugin URL that has no sha256 (or a file:// URL) to
	// the sha256 of the module meshd stored for it; filled by the runner.
	Modules map[string]string
	// Policies are the compiled Policy configs by "namespace/name"; filled
	// by the runner (Rego is compiled by meshd, stored by digest).
	Policies map[string]CompiledPolicy
	// CompileRego compiles the Rego that AuthorizationPolicies become for a
	// workload (control/authz) and stores it; the runner caches by content.
	// Nil: AuthorizationPolicies are not enforced (a warning).
	CompileRego func(rego string) (CompiledPolicy, error)
	// Credentials are TLS credentials by name (gateway credentialName),
	// served to the proxies that reference them over SDS.
	Credentials map[string]Credential
	// Mesh holds mesh-wide settings.
	Mesh MeshConfig
}

// EndpointKey names one port of a service.
type EndpointKey struct {
	Hostname string
	Port     uint32
}

// MeshConfig holds mesh-wide settings (Istio's MeshConfig subset).
type MeshConfig struct {
	// TrustDomain of SPIFFE identities; default "cluster.local".
	TrustDomain string `json:"trustDomain,omitempty"`
	// DomainSuffix of implicit service names; default "svc.cluster.local".
	DomainSuffix string `json:"domainSuffix,omitempty"`
	// RootNamespace holds mesh-wide policies; default "wasmesh-system".
	RootNamespace string `json:"rootNamespace,omitempty"`
	// OutboundTrafficPolicy for hosts outside the registry; default ALLOW_ANY.
	OutboundTrafficPolicy api.OutboundMode `json:"outboundTrafficPolicy,omitempty"`
	// ModuleBaseURL is where proxies fetch modules by digest,
	// e.g. "http://127.0.0.1:15014/modules/".
	ModuleBaseURL string `json:"moduleBaseURL,omitempty"`
	// LocalModuleDir, when set, makes proxies read the modules meshd holds
	// from this directory (<dir>/<sha256>.wasm) instead of fetching them:
	// for proxies on meshd's host (single-machine mode), as Istio's agent
	// turns remote modules into local files.
	LocalModuleDir string `json:"localModuleDir,omitempty"`
	// AuthzFilterSHA256 is the digest of the authz filter module (the Go
	// filter enforcing Policy configs) in meshd's module store; empty when
	// meshd has none, and then Policies are not enforced (a warning).
	AuthzFilterSHA256 string `json:"authzFilterSha256,omitempty"`
	// EnableAutoMTLS sends ISTIO_MUTUAL to mesh-internal services without a
	// DestinationRule TLS setting.
	EnableAutoMTLS bool `json:"enableAutoMtls,omitempty"`
	// TracingOTLPAddress is the mesh's one tracing provider, an OTLP/gRPC
	// collector (host:port) that Telemetry tracing exports to.
	TracingOTLPAddress string `json:"tracingOtlpAddress,omitempty"`
}

func (m MeshConfig) withDefaults() MeshConfig {
	if m.TrustDomain == "" {
		m.TrustDomain = "cluster.local"
	}
	if m.DomainSuffix == "" {
		m.DomainSuffix = "svc.cluster.local"
	}
	if m.RootNamespace == "" {
		m.RootNamespace = "wasmesh-system"
	}
	if m.OutboundTrafficPolicy == "" {
		m.OutboundTrafficPolicy = api.AllowAny
	}
	return m
}

// Credential is a PEM certificate chain and key, or a CA bundle.
type Credential struct {
	CertPEM string
	KeyPEM  string
	CAPEM   string
}

// FromRegistry assembles Inputs from the configs and a registry view.
func FromRegistry(configs []api.Config, v *registry.View, mesh MeshConfig) Inputs {
	in := Inputs{Configs: configs, Services: v.Services(), Endpoints: map[EndpointKey][]registry.Endpoint{}, Mesh: mesh}
	for _, s := range in.Services {
		for _, p := range s.Ports {
			if eps := v.Endpoints(s.Hostname, int(p.Number)); len(eps) > 0 {
				in.Endpoints[EndpointKey{s.Hostname, p.Number}] = eps
			}
		}
	}
	return in
}

// CompiledPolicy is a Policy compiled to OPA Wasm and stored by digest.
type CompiledPolicy struct {
	SHA256 string
	// Fields the policy references (the decision cache key), as JSON.
	Fields json.RawMessage
	// Data document of the policy, as JSON.
	Data json.RawMessage
}
