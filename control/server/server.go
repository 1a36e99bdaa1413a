package server

import (
	"context"
	"errors"
	"fmt"
	"github.com/wasmesh/wasmesh/control/quota"
	"github.com/wasmesh/wasmesh/control/report"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/wasmesh/wasmesh/control/config/dirstore"
	"github.com/wasmesh/wasmesh/control/modules"
	"github.com/wasmesh/wasmesh/control/pilot"
	"github.com/wasmesh/wasmesh/control/pilot/xds"
	"github.com/wasmesh/wasmesh/registry"
)

// Server is a running meshd.
type Server struct {
	cfg     Config
	log     *slog.Logger
	store   configStore
	kube    *kubeMode // nil in file mode
	modules *modules.Store
	reg     *registry.Registry
	xds     *xds.Server
	metrics *metrics
	files   *fileModules
	pols    *policies
	reports *report.Sink
	quota   *quota.Service

	xdsLis, monLis net.Listener
	secure         *secure

	mu          sync.Mutex
	disconnects map[string]func()
	snapVersion string
	regVersion  string // config version the registry has (push loop only)

	kick chan struct{}
}

// New opens the stores and binds the listeners; Run serves.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, disconnects: map[string]func(){}, kick: make(chan struct{}, 1)}
	if cfg.Kubernetes != nil {
		if err := s.openKube(); err != nil {
			return nil, err
		}
	} else if s.store, err = dirstore.Open(cfg.ConfigDir, cfg.Logger, dirstore.Options{}); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if s.modules, err = modules.Open(filepath.Join(cfg.DataDir, "modules"), 0); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.files = newFileModules(s.modules, cfg.Logger)
	s.files.oci = newOCIModules(cfg, s.modules, s.requestPush)
	s.pols = newPolicies(s.modules, cfg.Logger)
	s.reports = report.New(cfg.ReportCapacity)
	if s.quota, err = quota.New(cfg.GlobalQuota, nil); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if cfg.AuthzFilter != "" {
		sum, err := s.modules.PutFile(cfg.AuthzFilter)
		if err != nil {
			return nil, fmt.Errorf("server: authz filter: %w", err)
		}
		s.cfg.Mesh.AuthzFilterSHA256 = sum
	}
	s.reg = registry.New(registry.Options{GracePeriod: cfg.GracePeriod, Logger: cfg.Logger})
	s.xds = xds.New(cfg.Logger, xds.Hooks{Connected: s.connected, Disconnected: s.disconnected})
	s.metrics = newMetrics(s)
	if err := s.openSecure(); err != nil {
		return nil, err
	}
	if s.kube != nil {
		if err := s.openKubeSecure(); err != nil {
			if s.secure != nil {
				s.secure.lis.Close()
			}
			return nil, err
		}
	}
	if s.xdsLis, err = net.Listen("tcp", cfg.XDSAddr); err != nil {
		return nil, fmt.Errorf("server: xds: %w", err)
	}
	if s.monLis, err = net.Listen("tcp", cfg.MonitorAddr); err != nil {
		s.xdsLis.Close()
		if s.secure != nil {
			s.secure.lis.Close()
		}
		if s.WebhookAddr() != "" {
			s.kube.webhook.Close()
		}
		return nil, fmt.Errorf("server: monitor: %w", err)
	}
	if s.cfg.ModuleBaseURL == "" {
		s.cfg.ModuleBaseURL = "http://" + s.monLis.Addr().String() + modules.Prefix
	}
	s.cfg.Mesh.ModuleBaseURL = s.cfg.ModuleBaseURL
	if cfg.LocalModules {
		abs, err := filepath.Abs(filepath.Join(cfg.DataDir, "modules"))
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		s.cfg.Mesh.LocalModuleDir = abs
	}
	s.rebuild("start", func() {})
	return s, nil
}

// XDSAddr is the bound xDS address.
func (s *Server) XDSAddr() string { return s.xdsLis.Addr().String() }

// MonitorAddr is the bound monitoring address.
func (s *Server) MonitorAddr() string { return s.monLis.Addr().String() }

// Run serves until ctx is done, then stops everything it started.
func (s *Server) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ka := []grpc.ServerOption{grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true})}
	gs := grpc.NewServer(ka...)
	xdsSrv := s.xds.GRPC(ctx)
	xds.Register(gs, xdsSrv)
	var sgs *grpc.Server
	if s.secure != nil {
		sgs = s.secureServer(ka...)
		xds.Register(sgs, xdsSrv)
	}
	hs := &http.Server{Handler: s.httpHandler(), ReadHeaderTimeout: 10 * time.Second}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	run := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, grpc.ErrServerStopped) && ctx.Err() == nil {
				errs <- fmt.Errorf("server: %s: %w", name, err)
			}
		}()
	}
	run("config store", func() error { return s.store.Run(ctx) })
	var err error
	var whs *http.Server
	if s.kube != nil {
		// Serve proxies only once the cluster's config and registry are complete.
		run("kubernetes registry", func() error { return s.kube.watcher.Run(ctx) })
		select {
		case <-s.kube.synced(ctx):
			s.afterSync()
		case <-ctx.Done():
		case err = <-errs:
		}
		if err == nil && ctx.Err() == nil {
			run("kubernetes registry feed", func() error { s.kube.watcher.Feed(ctx, s.reg); return nil })
			run("leader election", func() error { return s.elect(ctx) })
			if s.kube.webhook != nil {
				whs = s.webhookServer()
				run("webhook", func() error { return s.serveWebhook(whs) })
			}
		}
	}
	served := err == nil && ctx.Err() == nil
	if served {
		run("xds", func() error { return gs.Serve(s.xdsLis) })
		if sgs != nil {
			run("secure xds", func() error { return sgs.Serve(s.secure.lis) })
		}
		run("monitor", func() error { return hs.Serve(s.monLis) })
		run("pusher", func() error { s.pushLoop(ctx); return nil })
		run("oci puller", func() error { s.files.oci.run(ctx); return nil })
		s.log.Info("meshd serving", "xds", s.XDSAddr(), "secure-xds", s.SecureXDSAddr(), "monitor", s.MonitorAddr(), "webhook", s.WebhookAddr(), "config", s.configSource())
		select {
		case <-ctx.Done():
		case err = <-errs:
		}
	}
	cancel()
	if !served {
		s.closeListeners()
	}
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	_ = hs.Shutdown(shutdownCtx)
	if whs != nil {
		_ = whs.Shutdown(shutdownCtx)
	}
	for _, g := range []*grpc.Server{gs, sgs} {
		if g == nil {
			continue
		}
		stopped := make(chan struct{})
		go func() { g.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-shutdownCtx.Done():
			g.Stop()
			<-stopped
		}
	}
	wg.Wait()
	return err
}

// Run starts meshd with cfg and serves until ctx is done.
func Run(ctx context.Context, cfg Config) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	return s.Run(ctx)
}

// connected registers a proxy's workload in the registry.
func (s *Server) connected(n pilot.Node) {
	w, ok := n.RegistryWorkload()
	if !ok {
		return
	}
	disconnect := s.reg.Connect(w)
	s.mu.Lock()
	if old := s.disconnects[n.ID]; old != nil {
		old()
	}
	s.disconnects[n.ID] = disconnect
	s.mu.Unlock()
}

func (s *Server) disconnected(n pilot.Node) {
	s.mu.Lock()
	d := s.disconnects[n.ID]
	delete(s.disconnects, n.ID)
	s.mu.Unlock()
	if d != nil {
		d()
	}
}
