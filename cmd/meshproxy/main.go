// Command meshproxy is wasmesh's sidecar and gateway proxy: it speaks Envoy's
// xDS v3 to the control plane and serves traffic with Envoy's semantics.
//
//	meshproxy --xds-address 127.0.0.1:15010 --node-id sidecar~10.0.0.1~app.default~default.svc.cluster.local
//	meshproxy --bootstrap envoy.yaml
//
// SIGTERM or SIGINT (or POST /quitquitquit) drains listeners and exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"

	"github.com/wasmesh/wasmesh/proxy"
	"github.com/wasmesh/wasmesh/proxy/config"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "meshproxy:", err)
		os.Exit(1)
	}
}

type flags struct {
	bootstrap, nodeID, cluster, xds, mode, logLevel, wasmCache string
	adminPort                                                  int
	delta, accessLog                                           bool
	drain                                                      time.Duration
}

func parse(args []string, stderr io.Writer) (*flags, error) {
	fs := flag.NewFlagSet("meshproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &flags{}
	fs.StringVar(&f.bootstrap, "bootstrap", "", "Envoy bootstrap file (YAML or JSON)")
	fs.StringVar(&f.nodeID, "node-id", "", "xDS node id (default: <sidecar|router>~<INSTANCE_IP>~<hostname>.<POD_NAMESPACE>~<POD_NAMESPACE>.svc.cluster.local)")
	fs.StringVar(&f.cluster, "cluster", "", "xDS node cluster (service cluster)")
	fs.StringVar(&f.xds, "xds-address", "", "ADS server host:port (overrides the bootstrap)")
	fs.BoolVar(&f.delta, "delta", false, "use incremental (delta) xDS")
	fs.IntVar(&f.adminPort, "admin-port", 15000, "admin port on 127.0.0.1 (0 disables)")
	fs.StringVar(&f.mode, "mode", "sidecar", "sidecar or gateway")
	fs.BoolVar(&f.accessLog, "access-log", true, "write Envoy's default access log to stdout")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.DurationVar(&f.drain, "drain-time", 5*time.Second, "how long in-flight requests may finish on shutdown or config change")
	fs.StringVar(&f.wasmCache, "wasm-cache-dir", "", "directory for fetched Wasm modules and compilation cache (default: a temp dir)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if f.mode != "sidecar" && f.mode != "gateway" {
		return nil, fmt.Errorf("--mode must be sidecar or gateway, not %q", f.mode)
	}
	return f, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	f, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	level := new(slog.LevelVar)
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg, err := buildConfig(f, log, level, stdout)
	if err != nil {
		return err
	}
	p, err := proxy.New(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log.Info("meshproxy starting", "mode", f.mode, "node", cfg.Node.GetId(), "xds", cfg.XDSAddress, "admin", cfg.AdminAddr)
	return p.Run(ctx)
}

func buildConfig(f *flags, log *slog.Logger, level *slog.LevelVar, stdout io.Writer) (proxy.Config, error) {
	b := &config.Bootstrap{}
	if f.bootstrap != "" {
		data, err := os.ReadFile(f.bootstrap)
		if err != nil {
			return proxy.Config{}, err
		}
		if b, err = config.DecodeBootstrap(data); err != nil {
			return proxy.Config{}, err
		}
	}
	node := b.Node
	if node == nil {
		node = &corev3.Node{}
	}
	if f.nodeID != "" {
		node.Id = f.nodeID
	}
	if node.Id == "" {
		node.Id = defaultNodeID(f.mode)
	}
	if f.cluster != "" {
		node.Cluster = f.cluster
	}
	cfg := proxy.Config{Logger: log, LogLevel: level, Bootstrap: b, Node: node, XDSAddress: f.xds, Delta: f.delta, Drain: f.drain}
	switch {
	case f.adminPort > 0:
		cfg.AdminAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(f.adminPort))
	case b.AdminAddress != "":
		cfg.AdminAddr = b.AdminAddress
	}
	if f.accessLog {
		cfg.AccessLog = stdout
	}
	w, err := newWasm(f, log, node)
	if err != nil {
		return proxy.Config{}, err
	}
	cfg.Wasm = w
	return cfg, nil
}

func defaultNodeID(mode string) string {
	prefix := "sidecar"
	if mode == "gateway" {
		prefix = "router"
	}
	ip := os.Getenv("INSTANCE_IP")
	if ip == "" {
		ip = "127.0.0.1"
	}
	ns := os.Getenv("POD_NAMESPACE")
	if ns == "" {
		ns = "default"
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s~%s~%s.%s~%s.svc.cluster.local", prefix, ip, host, ns, ns)
}
