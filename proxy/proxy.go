package proxy

import (
	"context"
	"errors"
	"fmt"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/proto"

	"github.com/wasmesh/wasmesh/proxy/cluster"
	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/httpx"
	"github.com/wasmesh/wasmesh/proxy/listener"
	"github.com/wasmesh/wasmesh/proxy/stats"
	"github.com/wasmesh/wasmesh/proxy/tracing"
	"github.com/wasmesh/wasmesh/proxy/xdsclient"
)

// Config is the proxy's runtime configuration (built by cmd/meshproxy from flags and the bootstrap).
type Config struct {
	Logger    *slog.Logger
	LogLevel  *slog.LevelVar // changed by /logging; may be nil
	Bootstrap *config.Bootstrap
	Node      *corev3.Node // overrides Bootstrap.Node when set
	// XDSAddress overrides the bootstrap's ADS address; empty with no bootstrap ADS: static only.
	XDSAddress string
	Delta      bool
	AdminAddr  string    // "" disables the admin server
	AccessLog  io.Writer // nil disables access logging
	Drain      time.Duration
	// Wasm loads Wasm HTTP filters; nil makes envoy.filters.http.wasm NACK.
	Wasm WasmFactory
	// LocalSecrets, when set, answers SDS secret names first (the in-process
	// CA agent's "default" and "ROOTCA"); names it returns nil for come from xDS.
	LocalSecrets SecretSource
}

// SecretSource provides SDS secrets by name; it is called at every TLS
// handshake, so rotated material applies without a listener change.
type SecretSource interface {
	Secret(name string) *config.Secret
}

// SecretDumper is a SecretSource that can show its secrets, as Envoy
// resources, in /config_dump (private keys are redacted there).
type SecretDumper interface {
	DumpSecrets() map[string]*tlsv3.Secret
}

// WasmFactory turns a translated Wasm filter config into an HTTP filter.
type WasmFactory interface {
	NewFilter(ctx context.Context, cfg *config.WasmFilter) (httpx.Filter, error)
}

// Proxy is a running meshproxy.
type Proxy struct {
	cfg    Config
	log    *slog.Logger
	stats  *stats.Store
	ctx    context.Context
	cancel context.CancelFunc

	mu    sync.Mutex // serializes updates
	state *state

	secrets   atomic.Pointer[map[string]*config.Secret]
	clusters  *cluster.Manager
	listeners *listener.Manager
	jwks      *httpx.JWKSCache
	xds       *xdsclient.Client
	logMu     sync.Mutex
	ready     atomic.Bool
	quit      chan struct{}
	quitOnce  sync.Once
	adminAddr atomic.Pointer[net.Addr]
	wasmCache sync.Map // *config.WasmFilter identity (by value key) -> httpx.Filter
}

var _ xdsclient.Handler = (*Proxy)(nil)

// New checks cfg and returns a Proxy; Run starts it.
func New(cfg Config) (*Proxy, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Bootstrap == nil {
		cfg.Bootstrap = &config.Bootstrap{}
	}
	if cfg.Node == nil {
		cfg.Node = cfg.Bootstrap.Node
	}
	if cfg.XDSAddress == "" {
		cfg.XDSAddress = cfg.Bootstrap.XDSAddress
		cfg.Delta = cfg.Delta || cfg.Bootstrap.Delta
	}
	if cfg.XDSAddress != "" && cfg.Node.GetId() == "" {
		return nil, errors.New("proxy: a node id is required with xDS")
	}
	if cfg.Drain == 0 {
		cfg.Drain = 5 * time.Second
	}
	p := &Proxy{cfg: cfg, log: cfg.Logger, stats: stats.New(), state: newState(), quit: make(chan struct{})}
	empty := map[string]*config.Secret{}
	p.secrets.Store(&empty)
	// The managers exist from New on (so accessors never race with Run);
	// their goroutines stop when Run ends.
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.clusters = cluster.NewManager(p.ctx, p.log, p.stats, p, p.cfg.Drain)
	p.jwks = &httpx.JWKSCache{Clusters: p.clusters}
	if w, ok := p.cfg.Wasm.(interface{ SetClusters(*cluster.Manager) }); ok {
		w.SetClusters(p.clusters)
	}
	netWasm, _ := p.cfg.Wasm.(listener.NetWasmLoader)
	p.listeners = listener.New(listener.Options{Log: p.log, Stats: p.stats, Clusters: p.clusters, Secrets: p,
		Build: p.buildHandler, NetWasm: netWasm, Drain: p.cfg.Drain, AccessLog: p.accessLogLine})
	return p, nil
}

// Secret implements cluster.Secrets.
func (p *Proxy) Secret(name string) *config.Secret {
	if p.cfg.LocalSecrets != nil {
		if s := p.cfg.LocalSecrets.Secret(name); s != nil {
			return s
		}
	}
	return (*p.secrets.Load())[name]
}

// Stats returns the proxy's counters.
func (p *Proxy) Stats() *stats.Store { return p.stats }

// ListenerAddr returns the bound address of a listener, or nil.
func (p *Proxy) ListenerAddr(name string) net.Addr {
	if p.listeners == nil {
		return nil
	}
	return p.listeners.Addr(name)
}

// AdminAddr returns the bound admin address once Run has started it.
func (p *Proxy) AdminAddr() net.Addr {
	if a := p.adminAddr.Load(); a != nil {
		return *a
	}
	return nil
}

// Ready reports whether the initial configuration has been applied.
func (p *Proxy) Ready() bool { return p.ready.Load() }

// Run serves until ctx ends or /quitquitquit, then drains listeners.
func (p *Proxy) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopBase := context.AfterFunc(ctx, p.cancel)
	defer stopBase()
	defer p.clusters.Close()
	defer p.cancel()
	defer func() {
		// Send the spans still buffered; the run's context is done by now.
		sctx, cancelShutdown := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancelShutdown()
		if err := tracing.ShutdownShared(sctx); err != nil {
			p.log.Warn("flushing trace spans", "err", err)
		}
	}()
	if err := p.applyStatic(); err != nil {
		p.listeners.Close(0)
		return err
	}
	var wg sync.WaitGroup
	if p.cfg.AdminAddr != "" {
		ln, err := net.Listen("tcp", p.cfg.AdminAddr)
		if err != nil {
			p.listeners.Close(0)
			return fmt.Errorf("proxy: admin: %w", err)
		}
		addr := ln.Addr()
		p.adminAddr.Store(&addr)
		srv := &http.Server{Handler: p.adminMux(), ReadHeaderTimeout: 10 * time.Second}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = srv.Serve(ln)
		}()
		defer func() {
			_ = srv.Close()
			wg.Wait()
		}()
	}
	if p.cfg.XDSAddress != "" {
		c, err := xdsclient.New(xdsclient.Config{Logger: p.log, Address: p.cfg.XDSAddress, Node: p.cfg.Node,
			Delta: p.cfg.Delta, Handler: p, Types: []string{xdsclient.ClusterType, xdsclient.EndpointType,
				xdsclient.ListenerType, xdsclient.RouteType, xdsclient.SecretType, xdsclient.ExtensionConfigType}})
		if err != nil {
			p.listeners.Close(0)
			return fmt.Errorf("proxy: %w", err)
		}
		p.mu.Lock()
		p.xds = c
		p.subscribeLocked()
		p.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Run(ctx); err != nil && ctx.Err() == nil {
				p.log.Error("xds client stopped", "err", err)
			}
		}()
	} else {
		p.ready.Store(true)
	}
	select {
	case <-ctx.Done():
	case <-p.quit:
	}
	p.log.Info("draining", "for", p.cfg.Drain)
	p.ready.Store(false)
	cancel()
	p.listeners.Close(p.cfg.Drain)
	return nil
}

func (p *Proxy) accessLogLine(line string) {
	if p.cfg.AccessLog == nil {
		return
	}
	p.logMu.Lock()
	_, _ = io.WriteString(p.cfg.AccessLog, line)
	p.logMu.Unlock()
}

func (p *Proxy) applyStatic() error {
	b := p.cfg.Bootstrap
	res := map[string]map[string]proto.Message{
		xdsclient.SecretType: {}, xdsclient.ClusterType: {}, xdsclient.ListenerType: {},
	}
	for _, s := range b.Secrets {
		res[xdsclient.SecretType][s.GetName()] = s
	}
	for _, c := range b.Clusters {
		res[xdsclient.ClusterType][c.GetName()] = c
	}
	for _, l := range b.Listeners {
		res[xdsclient.ListenerType][l.GetName()] = l
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range []string{xdsclient.SecretType, xdsclient.ClusterType, xdsclient.ListenerType} {
		if err := p.updateLocked(t, "static", res[t], true); err != nil {
			return fmt.Errorf("proxy: bootstrap: %w", err)
		}
	}
	return nil
}
