// Command meshd is wasmesh's control plane: config (a watched directory of
// Istio YAML with a write-through API), the service registry, Pilot over
// ADS and the Wasm module store.
//
//	meshd --config-dir ./mesh --xds-address 127.0.0.1:15010 --monitor-address 127.0.0.1:15014
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
	"syscall"

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
	var policy, level string
	fs.StringVar(&c.ConfigDir, "config-dir", "", "directory of config YAML files (required)")
	fs.StringVar(&c.DataDir, "data-dir", "", "directory for the module store (default: <config-dir>/../meshd-data)")
	fs.StringVar(&c.XDSAddr, "xds-address", "127.0.0.1:15010", "plaintext xDS (ADS) listen address")
	fs.StringVar(&c.SecureXDSAddr, "secure-xds-address", "127.0.0.1:15012", "xDS and CA over TLS listen address (empty disables the CA)")
	fs.StringVar(&c.PluginCADir, "plugin-ca-dir", "", "plug-in CA directory (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem); default a self-signed root")
	fs.StringVar(&c.MonitorAddr, "monitor-address", "127.0.0.1:15014", "metrics, debug, modules and config API listen address")
	fs.StringVar(&c.ModuleBaseURL, "module-base-url", "", "URL proxies fetch modules from (default: http://<monitor-address>/modules/)")
	fs.BoolVar(&c.LocalModules, "local-modules", false, "proxies on this host read modules from the store directory instead of fetching them")
	fs.StringVar(&c.CredentialsDir, "credentials-dir", "", "gateway credentials (credentialName): <dir>/<name>/{tls.crt,tls.key,ca.crt} (default: <data-dir>/credentials)")
	fs.StringVar(&c.AuthzFilter, "authz-filter", "", "authz filter module (bin/filters/authz.wasm) enforcing Policy configs")
	fs.StringVar(&c.Mesh.TrustDomain, "trust-domain", "cluster.local", "SPIFFE trust domain")
	fs.StringVar(&c.Mesh.RootNamespace, "root-namespace", "wasmesh-system", "namespace of mesh-wide policies")
	fs.StringVar(&policy, "outbound-traffic-policy", "ALLOW_ANY", "ALLOW_ANY or REGISTRY_ONLY for hosts outside the registry")
	fs.BoolVar(&c.Mesh.EnableAutoMTLS, "auto-mtls", false, "use ISTIO_MUTUAL towards mesh services without a DestinationRule TLS setting")
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
	if c.ConfigDir == "" {
		return c, "", errors.New("--config-dir is required")
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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return server.Run(ctx, cfg)
}
