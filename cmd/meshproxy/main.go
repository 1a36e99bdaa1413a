// Command meshproxy is wasmesh's sidecar and gateway proxy: it speaks Envoy's
// xDS v3 to the control plane and serves traffic with Envoy's semantics.
//
//	meshproxy --xds-address 127.0.0.1:15010 --node-id sidecar~10.0.0.1~app.default~default.svc.cluster.local
//	meshproxy --bootstrap envoy.yaml
//	meshproxy --xds-address meshd:15010 --token-file /var/run/secrets/tokens/istio-token --ca-root root.pem
//	meshproxy iptables --outbound-port 15001 --inbound-port 15006 --dry-run
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
	"sync"
	"syscall"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"

	"github.com/wasmesh/wasmesh/policy/eval"
	"github.com/wasmesh/wasmesh/proxy"
	"github.com/wasmesh/wasmesh/proxy/agent"
	"github.com/wasmesh/wasmesh/proxy/capture"
	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/wasmfilter"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "meshproxy:", err)
		os.Exit(1)
	}
}

type flags struct {
	bootstrap, nodeID, cluster, xds, mode, logLevel, wasmCache string
	wasmDeadlines, wasmWazeroDeadlines                         bool
	adminPort                                                  int
	delta, accessLog                                           bool
	drain                                                      time.Duration
	id                                                         identityFlags
	ca                                                         caFlags
	statsPort, statusPort, healthPort                          int
	allowPrivateFetch                                          bool
	explicit                                                   map[string]bool // flags given on the command line
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
	fs.BoolVar(&f.wasmWazeroDeadlines, "wasm-wazero-deadlines", false, "enforce Wasm deadlines with wazero's own mechanism only (about 1 µs more per callback), not wasmesh's cheap path that depends on wazero v1.12.0 internals: an escape hatch")
	fs.BoolVar(&f.wasmDeadlines, "wasm-deadlines", true, "stop a Wasm callback that overruns its deadline (on linux/amd64 about 10 ns per callback and 1 ns per guest loop iteration); false: no deadline, as Envoy (trusted filters only)")
	fs.StringVar(&f.id.workload, "workload", "", "workload (pod) name (default: $POD_NAME, else the hostname)")
	fs.StringVar(&f.id.namespace, "namespace", "", "workload namespace (default: $POD_NAMESPACE, else default)")
	fs.StringVar(&f.id.serviceAccount, "service-account", "", "workload service account (default: $SERVICE_ACCOUNT, else default)")
	fs.StringVar(&f.id.labels, "labels", "", "workload labels, app=x,version=v1")
	fs.StringVar(&f.id.service, "service", "", "service the workload implements (registers it without a ServiceEntry)")
	fs.StringVar(&f.id.ports, "ports", "", "the workload's container ports (POD_PORTS): 8080, or name:port,... with Istio's protocol-prefixed names (http, grpc-x)")
	fs.StringVar(&f.id.ip, "instance-ip", "", "workload IP (default: $INSTANCE_IP, else 127.0.0.1); status ports bind to it")
	fs.StringVar(&f.id.trustDomain, "trust-domain", "", "SPIFFE trust domain (default: $TRUST_DOMAIN, else cluster.local)")
	fs.StringVar(&f.id.interception, "interception-mode", "", "REDIRECT, TPROXY or NONE (default: REDIRECT in a pod, NONE otherwise)")
	fs.StringVar(&f.ca.address, "ca-address", "", "meshd CA host:port (default: the xDS host on port 15012)")
	fs.StringVar(&f.ca.token, "token", "", "bootstrap token minted by meshd for the CSR (enables the CA agent and mTLS)")
	fs.StringVar(&f.ca.tokenFile, "token-file", "", "file holding the bootstrap token, reread before every CSR")
	fs.StringVar(&f.ca.root, "ca-root", "", "PEM file with meshd's root, to verify meshd on first contact")
	fs.StringVar(&f.ca.bundleURL, "ca-bundle-url", "", "fetch meshd's root from this URL instead (/ca/bundle.pem; loopback demos)")
	fs.StringVar(&f.ca.revocationsURL, "ca-revocations-url", "", "poll meshd's revocation list here (default: /ca/revocations beside a --ca-bundle-url ending in /ca/bundle.pem)")
	fs.DurationVar(&f.ca.pollInterval, "ca-poll-interval", agent.DefaultPollInterval, "how often the bundle and revocation URLs are polled")
	fs.IntVar(&f.statsPort, "stats-port", 15090, "port of the proxy's Prometheus stats (0 disables)")
	fs.IntVar(&f.statusPort, "status-port", 15020, "port of the merged metrics and health (0 disables)")
	fs.IntVar(&f.healthPort, "health-port", 15021, "port of /healthz/ready (0 disables)")
	fs.BoolVar(&f.allowPrivateFetch, "fetch-allow-private", true, "let Wasm modules and policies come from loopback/private addresses (in-mesh stores)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	f.explicit = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.explicit[fl.Name] = true })
	if f.mode != "sidecar" && f.mode != "gateway" {
		return nil, fmt.Errorf("--mode must be sidecar or gateway, not %q", f.mode)
	}
	return f, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "iptables" {
		err := runIPTables(context.Background(), args[1:], stdout, stderr, capture.ExecRunner)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	sc, err := buildConfig(ctx, f, log, level, stdout)
	if err != nil {
		return err
	}
	defer func() { _ = sc.engine.Close(context.Background()) }()
	defer func() { _ = sc.wasm.Close(context.Background()) }()
	p, err := proxy.New(sc.cfg)
	if err != nil {
		return err
	}
	st := statusServers{host: sc.id.IP, statsPort: f.statsPort, mergedPort: f.statusPort, health: f.healthPort,
		p: p, wasm: sc.wasm, engine: sc.engine, log: log,
		required: f.explicit["stats-port"] || f.explicit["status-port"] || f.explicit["health-port"]}
	if sc.agent != nil {
		st.identityReady = func() bool { return sc.agent.Current() != nil }
	}
	srvs, lns, err := st.listen()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Add(1)
	go func() { defer wg.Done(); serveAll(ctx, srvs, lns) }()
	if sc.agent != nil {
		wg.Add(2)
		go func() { defer wg.Done(); sc.secrets.run(ctx) }()
		if pc, ok := f.ca.pollConfig(); ok {
			wg.Add(1)
			go func() { defer wg.Done(); sc.agent.Poll(ctx, pc) }()
		}
		go func() {
			defer wg.Done()
			if err := sc.agent.Run(ctx); err != nil {
				log.Error("agent stopped", "err", err)
			}
		}()
	}
	log.Info("meshproxy starting", "mode", f.mode, "node", sc.cfg.Node.GetId(), "xds", sc.cfg.XDSAddress,
		"admin", sc.cfg.AdminAddr, "identity", sc.identity())
	return p.Run(ctx)
}

// sidecar is the proxy's configuration plus what runs beside it.
type sidecar struct {
	cfg     proxy.Config
	id      identity
	wasm    *wasmfilter.Factory
	engine  *eval.Engine
	agent   *agent.Agent // nil without CA flags
	secrets *agentSecrets
}

func (s *sidecar) identity() string {
	if s.agent == nil {
		return "none (plaintext only)"
	}
	return s.id.spiffeID()
}

func buildConfig(ctx context.Context, f *flags, log *slog.Logger, level *slog.LevelVar, stdout io.Writer) (*sidecar, error) {
	b := &config.Bootstrap{}
	if f.bootstrap != "" {
		data, err := os.ReadFile(f.bootstrap)
		if err != nil {
			return nil, err
		}
		if b, err = config.DecodeBootstrap(data); err != nil {
			return nil, err
		}
	}
	node := b.Node
	if node == nil {
		node = &corev3.Node{}
	}
	if f.nodeID != "" {
		node.Id = f.nodeID
	}
	if f.cluster != "" {
		node.Cluster = f.cluster
	}
	id, err := resolveIdentity(f.id, node, os.Environ(), hostname())
	if err != nil {
		return nil, err
	}
	metricsURL := ""
	if f.statusPort > 0 {
		metricsURL = "http://" + net.JoinHostPort(id.IP, strconv.Itoa(f.statusPort)) + "/stats/prometheus"
	}
	if err := applyIdentity(node, id, f.mode, metricsURL); err != nil {
		return nil, err
	}
	sc := &sidecar{id: id}
	sc.cfg = proxy.Config{Logger: log, LogLevel: level, Bootstrap: b, Node: node, XDSAddress: f.xds, Delta: f.delta, Drain: f.drain}
	switch {
	case f.adminPort > 0:
		sc.cfg.AdminAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(f.adminPort))
	case b.AdminAddress != "":
		sc.cfg.AdminAddr = b.AdminAddress
	}
	if f.accessLog {
		sc.cfg.AccessLog = stdout
	}
	if f.ca.enabled() {
		xds := f.xds
		if xds == "" {
			xds = b.XDSAddress
		}
		if sc.agent, err = newAgent(ctx, f.ca, xds, id, log); err != nil {
			return nil, err
		}
		sc.secrets = newAgentSecrets(sc.agent, log)
		sc.cfg.LocalSecrets = sc.secrets
	}
	localID := ""
	if sc.agent != nil {
		localID = id.spiffeID()
	}
	if sc.wasm, sc.engine, err = newWasm(ctx, f, log, node, localID); err != nil {
		return nil, err
	}
	sc.cfg.Wasm = sc.wasm
	return sc, nil
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

func defaultNodeID(mode string) string {
	id, err := resolveIdentity(identityFlags{}, nil, os.Environ(), hostname())
	if err != nil {
		id, _ = resolveIdentity(identityFlags{ip: "127.0.0.1", interception: "NONE"}, nil, nil, hostname())
	}
	return id.nodeID(mode)
}
