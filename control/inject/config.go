package inject

import (
	"errors"
	"fmt"
)

// Config is the mesh-wide part of injection: what the sidecar looks like.
type Config struct {
	// Image is the meshproxy container image.
	Image string `json:"image"`
	// ImagePullPolicy of the injected containers; empty leaves Kubernetes' default.
	ImagePullPolicy string `json:"imagePullPolicy,omitempty"`
	// ProxyUID and ProxyGID run the proxy; traffic from this uid is not captured.
	ProxyUID int64 `json:"proxyUID"`
	ProxyGID int64 `json:"proxyGID"`
	// DiscoveryAddress is meshd's xDS+CA address (host:port, TLS).
	DiscoveryAddress string `json:"discoveryAddress"`
	// TrustDomain of the workload identities.
	TrustDomain string `json:"trustDomain"`
	// ClusterID names the cluster in proxy metadata.
	ClusterID string `json:"clusterID"`
	// DefaultPolicy says whether pods without an explicit annotation are
	// injected when the namespace has asked for injection.
	DefaultPolicy Policy `json:"defaultPolicy"`
	// RewriteAppHTTPProbers sends the app's HTTP probes through the proxy's
	// status port so that STRICT mTLS does not break them.
	RewriteAppHTTPProbers bool `json:"rewriteAppHTTPProbers"`
	// Resources for the proxy when no annotation overrides them.
	CPURequest, MemoryRequest, CPULimit, MemoryLimit string
}

// Policy is the injection policy for pods that do not say.
type Policy string

// Policies.
const (
	PolicyEnabled  Policy = "enabled"
	PolicyDisabled Policy = "disabled"
)

// Well-known ports of the sidecar (Istio's numbers).
const (
	PortOutbound   = 15001
	PortInbound    = 15006
	PortAdmin      = 15000
	PortStatus     = 15020 // merged metrics and app probes
	PortHealth     = 15021
	PortPrometheus = 15090
)

// DefaultConfig is what `meshctl inject` uses when given no mesh config.
func DefaultConfig() Config {
	return Config{
		Image:                 "wasmesh/meshproxy:latest",
		ProxyUID:              1337,
		ProxyGID:              1337,
		DiscoveryAddress:      "meshd.wasmesh-system.svc:15012",
		TrustDomain:           "cluster.local",
		ClusterID:             "Kubernetes",
		DefaultPolicy:         PolicyEnabled,
		RewriteAppHTTPProbers: true,
		CPURequest:            "100m",
		MemoryRequest:         "128Mi",
		CPULimit:              "2000m",
		MemoryLimit:           "1Gi",
	}
}

// Validate reports every problem with the config at once.
func (c Config) Validate() error {
	var errs []error
	if c.Image == "" {
		errs = append(errs, errors.New("inject: config: image is required"))
	}
	if c.ProxyUID <= 0 {
		errs = append(errs, fmt.Errorf("inject: config: proxyUID must be positive, got %d", c.ProxyUID))
	}
	if c.DiscoveryAddress == "" {
		errs = append(errs, errors.New("inject: config: discoveryAddress is required"))
	}
	if c.TrustDomain == "" {
		errs = append(errs, errors.New("inject: config: trustDomain is required"))
	}
	switch c.DefaultPolicy {
	case PolicyEnabled, PolicyDisabled:
	default:
		errs = append(errs, fmt.Errorf("inject: config: defaultPolicy must be %q or %q, got %q", PolicyEnabled, PolicyDisabled, c.DefaultPolicy))
	}
	return errors.Join(errs...)
}
