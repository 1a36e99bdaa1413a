package server

import (
	"errors"
	"fmt"
	"github.com/wasmesh/wasmesh/control/quota"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/wasmesh/wasmesh/control/pilot"
)

// Config configures meshd.
type Config struct {
	// ConfigDir is the directory of YAML configs (required unless
	// Kubernetes is set).
	ConfigDir string
	// Kubernetes, when set, takes config and discovery from the cluster
	// instead of ConfigDir (Kubernetes mode).
	Kubernetes *KubeConfig
	// DataDir keeps the module store; default ConfigDir/../meshd-data, or
	// $TMPDIR/meshd-data in Kubernetes mode.
	DataDir string
	// XDSAddr serves plaintext xDS; default "127.0.0.1:15010".
	XDSAddr string
	// SecureXDSAddr serves xDS and the CA over TLS (Istio's 15012), with a
	// certificate from the mesh CA; empty disables it and the CA.
	SecureXDSAddr string
	// PluginCADir holds a plug-in CA (Istio's cacerts files); empty means a
	// self-signed root kept in DataDir/ca.
	PluginCADir string
	// WorkloadCertTTL is the lifetime of a workload certificate when the
	// proxy asks for none (default 24h); MaxWorkloadCertTTL caps what a
	// proxy may ask for (default 90 days).
	WorkloadCertTTL, MaxWorkloadCertTTL time.Duration
	// MonitorAddr serves metrics, debug, modules and the config API;
	// default "127.0.0.1:15014".
	MonitorAddr string
	// ModuleBaseURL is where proxies fetch modules; default
	// "http://<MonitorAddr>/modules/".
	ModuleBaseURL string
	// LocalModules makes proxies read modules from the store's directory
	// (proxies on meshd's host only) instead of fetching them over HTTP.
	LocalModules bool
	// CredentialsDir holds gateway TLS credentials (credentialName): a
	// subdirectory per name with tls.crt, tls.key and optionally ca.crt;
	// default DataDir/credentials. Read at every push.
	CredentialsDir string
	// InsecureRegistries are OCI registries ("host" or "host:port") that
	// WasmPlugin images may be pulled from over plain http; registries on
	// loopback always may.
	InsecureRegistries []string
	// ImagePullInterval is how often images with imagePullPolicy Always
	// (or an unspecified policy on the tag latest) are pulled again
	// (default 5m).
	ImagePullInterval time.Duration
	// AuthzFilter is the authz filter module (filters/authz built for
	// wasip1) that enforces Policy configs; without it Policies are
	// compiled but not enforced.
	AuthzFilter string
	// GlobalQuota is the token bucket of the global quota service
	// (/v1/quota) for every key; zero means 100 requests, refilled at 100/s.
	GlobalQuota quota.Limit
	// ReportCapacity is how many access-log records the report sink keeps
	// (default 10,000).
	ReportCapacity int
	// Mesh settings for translation.
	Mesh pilot.MeshConfig
	// Debounce is the quiet time before a push (100ms); MaxDebounce bounds
	// how long changes can be held back (1s).
	Debounce, MaxDebounce time.Duration
	// GracePeriod keeps a disconnected proxy's workload (10s by default).
	GracePeriod time.Duration
	// Logger; slog.Default() when nil.
	Logger *slog.Logger
}

// withDefaults validates c and fills in defaults.
func (c Config) withDefaults() (Config, error) {
	if c.GlobalQuota == (quota.Limit{}) {
		c.GlobalQuota = quota.Limit{Max: 100, PerSecond: 100}
	}
	switch {
	case c.Kubernetes != nil:
		k, err := c.Kubernetes.withDefaults()
		if err != nil {
			return c, err
		}
		c.Kubernetes = &k
		if k.LeaseName != "" && c.SecureXDSAddr != "" && c.PluginCADir == "" {
			return c, errors.New("server: replicas (a leader lease) need a shared CA: set the plug-in CA directory (the cacerts secret)")
		}
		if c.DataDir == "" {
			c.DataDir = filepath.Join(os.TempDir(), "meshd-data")
		}
	case c.ConfigDir == "":
		return c, errors.New("server: a config directory is required")
	case c.DataDir == "":
		c.DataDir = filepath.Join(filepath.Dir(filepath.Clean(c.ConfigDir)), "meshd-data")
	}
	if c.CredentialsDir == "" {
		c.CredentialsDir = filepath.Join(c.DataDir, "credentials")
	}
	if c.XDSAddr == "" {
		c.XDSAddr = "127.0.0.1:15010"
	}
	if c.MonitorAddr == "" {
		c.MonitorAddr = "127.0.0.1:15014"
	}
	if c.Debounce <= 0 {
		c.Debounce = 100 * time.Millisecond
	}
	if c.MaxDebounce <= 0 {
		c.MaxDebounce = time.Second
	}
	if c.ImagePullInterval <= 0 {
		c.ImagePullInterval = 5 * time.Minute
	}
	if c.GracePeriod <= 0 {
		c.GracePeriod = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if _, _, err := net.SplitHostPort(c.XDSAddr); err != nil {
		return c, fmt.Errorf("server: xds address: %w", err)
	}
	if _, _, err := net.SplitHostPort(c.MonitorAddr); err != nil {
		return c, fmt.Errorf("server: monitor address: %w", err)
	}
	return c, nil
}
