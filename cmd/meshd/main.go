// Command meshd is wasmesh's control plane: config (a watched directory of
// Istio YAML with a write-through API, or the cluster's CRDs), the service
// registry, Pilot over ADS, the CA and the Wasm module store.
//
//	meshd --config-dir ./mesh --xds-address 127.0.0.1:15010 --monitor-address 127.0.0.1:15014
//	meshd --config-source=kubernetes --webhook-address=0.0.0.0:15017 --ca-plugin-dir=/etc/cacerts --leader-lease=meshd-leader
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/server"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "meshd:", err)
		os.Exit(1)
	}
}

func parse(args []string, stderr io.Writer) (server.Config, string, error) {
	fs := flag.NewFlagSet("meshd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c server.Config
	var policy, level, source, kubeconfig string
	var k server.KubeConfig
	fs.StringVar(&source, "config-source", "file", "file (a directory of YAML, --config-dir) or kubernetes (CRDs, Services and EndpointSlices of the cluster)")
	fs.StringVar(&kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file for --config-source=kubernetes (default $KUBECONFIG, else the in-cluster config)")
	fs.StringVar(&k.WebhookAddr, "webhook-address", "", "admission webhooks (validation, sidecar injection) over TLS listen address, Kubernetes mode only (empty disables them)")
	fs.StringVar(&k.LeaseName, "leader-lease", "", "Lease the replicas elect a leader on, Kubernetes mode (empty: this replica always leads)")
	fs.StringVar(&k.Namespace, "namespace", os.Getenv("POD_NAMESPACE"), "meshd's namespace, of the Lease (default $POD_NAMESPACE, else wasmesh-system)")
	fs.StringVar(&k.Identity, "identity", os.Getenv("POD_NAME"), "this replica's name in the Lease (default $POD_NAME, else the host name)")
	fs.DurationVar(&k.LeaseDuration, "lease-duration", 0, "leader lease duration (default 15s; renew deadline 2/3 of it, retry 2/15)")
	fs.StringVar(&k.TokenAudience, "token-audience", "istio-ca", "audience a pod's service-account token must carry for the CA")
	fs.StringVar(&c.ConfigDir, "config-dir", "", "directory of config YAML files (required with --config-source=file)")
	fs.StringVar(&c.DataDir, "data-dir", "", "directory for the module store (default: <config-dir>/../meshd-data)")
	fs.StringVar(&c.XDSAddr, "xds-address", "127.0.0.1:15010", "plaintext xDS (ADS) listen address")
	fs.StringVar(&c.SecureXDSAddr, "secure-xds-address", "127.0.0.1:15012", "xDS and CA over TLS listen address (empty disables the CA)")
	fs.StringVar(&c.PluginCADir, "plugin-ca-dir", "", "plug-in CA directory (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem); default a self-signed root")
	fs.StringVar(&c.PluginCADir, "ca-plugin-dir", "", "same as --plugin-ca-dir (the cacerts secret mounted, as meshd's Deployment passes it)")
	fs.DurationVar(&c.WorkloadCertTTL, "workload-cert-ttl", 24*time.Hour, "lifetime of a workload certificate when the proxy asks for none")
	fs.DurationVar(&c.MaxWorkloadCertTTL, "max-workload-cert-ttl", 90*24*time.Hour, "longest workload certificate lifetime a proxy may ask for")
	fs.StringVar(&c.MonitorAddr, "monitor-address", "127.0.0.1:15014", "metrics, debug, modules and config API listen address")
	fs.StringVar(&c.ModuleBaseURL, "module-base-url", "", "URL proxies fetch modules from (default: http://<monitor-address>/modules/)")
	fs.BoolVar(&c.LocalModules, "local-modules", false, "proxies on this host read modules from the store directory instead of fetching them")
	fs.StringVar(&c.CredentialsDir, "credentials-dir", "", "gateway credentials (credentialName): <dir>/<name>/{tls.crt,tls.key,ca.crt} (default: <data-dir>/credentials)")
	fs.Func("insecure-registries", "comma-separated OCI registries (host or host:port) WasmPlugin images may be pulled from over plain http (loopback registries always may)", func(v string) error {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				c.InsecureRegistries = append(c.InsecureRegistries, h)
			}
		}
		return nil
	})
	fs.DurationVar(&c.ImagePullInterval, "image-pull-interval", 0, "how often WasmPlugin images with imagePullPolicy Always (or the tag latest) are pulled again (default 5m)")
	fs.StringVar(&c.AuthzFilter, "authz-filter", "", "authz filter module (bin/filters/authz.wasm) enforcing Policy configs")
	fs.StringVar(&c.Mesh.TrustDomain, "trust-domain", "cluster.local", "SPIFFE trust domain")
	fs.StringVar(&c.Mesh.RootNamespace, "root-namespace", "wasmesh-system", "namespace of mesh-wide policies")
	fs.StringVar(&policy, "outbound-traffic-policy", "ALLOW_ANY", "ALLOW_ANY or REGISTRY_ONLY for hosts outside the registry")
	fs.BoolVar(&c.Mesh.EnableAutoMTLS, "auto-mtls", false, "use ISTIO_MUTUAL towards mesh services without a DestinationRule TLS setting")
	fs.StringVar(&c.Mesh.TracingOTLPAddress, "tracing-otlp-address", "", "the mesh's tracing provider: OTLP/gRPC collector (host:port) that Telemetry tracing exports spans to")
	fs.DurationVar(&c.Debounce, "debounce", 0, "quiet time before a push (default 100ms)")
	fs.DurationVar(&c.MaxDebounce, "max-debounce", 0, "longest a change waits for a push (default 1s)")
	fs.DurationVar(&c.GracePeriod, "grace-period", 0, "how long a disconnected proxy's workload stays registered (default 10s)")
	fs.StringVar(&level, "log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return c, "", err
	}
	if fs.NArg() > 0 {
		return c, "", fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	switch source {
	case "file":
		if c.ConfigDir == "" {
			return c, "", errors.New("--config-dir is required")
		}
		if k.WebhookAddr != "" || k.LeaseName != "" {
			return c, "", errors.New("--webhook-address and --leader-lease need --config-source=kubernetes")
		}
	case "kubernetes":
		if c.ConfigDir != "" {
			return c, "", errors.New("--config-dir and --config-source=kubernetes exclude each other")
		}
		rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return c, "", fmt.Errorf("kubernetes client config: %w", err)
		}
		if k.LeaseDuration > 0 {
			k.RenewDeadline, k.RetryPeriod = k.LeaseDuration*2/3, k.LeaseDuration*2/15
		}
		k.Rest = rc
		c.Kubernetes = &k
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["secure-xds-address"] { // proxies in other pods reach the CA
			c.SecureXDSAddr = "0.0.0.0:15012"
		}
	default:
		return c, "", fmt.Errorf("--config-source must be file or kubernetes, not %q", source)
	}
	switch api.OutboundMode(policy) {
	case api.AllowAny, api.RegistryOnly:
		c.Mesh.OutboundTrafficPolicy = api.OutboundMode(policy)
	default:
		return c, "", fmt.Errorf("--outbound-traffic-policy must be ALLOW_ANY or REGISTRY_ONLY, not %q", policy)
	}
	return c, level, nil
}

func run(args []string, stderr io.Writer) error {
	cfg, level, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lv}))
	klog.SetSlogLogger(cfg.Logger) // client-go's own logs (leader election, watches) in meshd's format
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return server.Run(ctx, cfg)
}
