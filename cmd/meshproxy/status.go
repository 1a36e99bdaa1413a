package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/policy/eval"
	"github.com/wasmesh/wasmesh/proxy"
)

// metricsWriter is the Wasm factory's metrics output.
type metricsWriter interface{ WriteMetrics(w http.ResponseWriter) }

// statusServers are Istio's sidecar ports: 15090 the proxy's stats, 15020
// merged metrics (proxy + Wasm filters + policy engine), 15021 readiness.
type statusServers struct {
	host                          string
	statsPort, mergedPort, health int
	p                             *proxy.Proxy
	wasm                          metricsWriter
	engine                        *eval.Engine
	log                           *slog.Logger
	// identityReady, when set, must also hold for readiness (the CA agent
	// has a certificate: mesh mTLS cannot work before).
	identityReady func() bool
	// required makes a port that cannot be bound an error; with the default
	// ports (several loopback proxies on one host) that port is only disabled.
	required bool
}

func (s statusServers) statsMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/stats/prometheus", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_ = s.p.Stats().WritePrometheus(w)
	})
	return mux
}

func (s statusServers) mergedMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/stats/prometheus", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_ = s.p.Stats().WritePrometheus(w)
		if s.wasm != nil {
			s.wasm.WriteMetrics(w)
		}
		if s.engine != nil {
			writePolicyCache(w, s.engine)
		}
	})
	mux.Handle("/healthz/ready", s.readyHandler())
	return mux
}

func writePolicyCache(w io.Writer, e *eval.Engine) {
	st := e.CacheStats()
	fmt.Fprintf(w, "# TYPE wasmesh_policy_cache_hits_total counter\nwasmesh_policy_cache_hits_total %d\n", st.Hits)
	fmt.Fprintf(w, "# TYPE wasmesh_policy_cache_misses_total counter\nwasmesh_policy_cache_misses_total %d\n", st.Misses)
}

func (s statusServers) readyHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if s.p.Ready() && (s.identityReady == nil || s.identityReady()) {
			_, _ = io.WriteString(w, "ready\n")
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "not ready\n")
	})
}

func (s statusServers) healthMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/healthz/ready", s.readyHandler())
	return mux
}

// listen binds every enabled port (0 = disabled) so a taken port fails at start.
func (s statusServers) listen() ([]*http.Server, []net.Listener, error) {
	var srvs []*http.Server
	var lns []net.Listener
	for _, b := range []struct {
		port int
		h    http.Handler
	}{{s.statsPort, s.statsMux()}, {s.mergedPort, s.mergedMux()}, {s.health, s.healthMux()}} {
		if b.port <= 0 {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(s.host, strconv.Itoa(b.port)))
		if err != nil && !s.required {
			s.log.Warn("status port not served", "port", b.port, "err", err)
			continue
		}
		if err != nil {
			for _, l := range lns {
				_ = l.Close()
			}
			return nil, nil, fmt.Errorf("status port: %w", err)
		}
		lns = append(lns, ln)
		srvs = append(srvs, &http.Server{Handler: b.h, ReadHeaderTimeout: 10 * time.Second})
	}
	return srvs, lns, nil
}

// serve runs the servers until ctx ends.
func serveAll(ctx context.Context, srvs []*http.Server, lns []net.Listener) {
	var wg sync.WaitGroup
	for i, srv := range srvs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(lns[i]); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return
			}
		}()
	}
	<-ctx.Done()
	for _, srv := range srvs {
		_ = srv.Close()
	}
	wg.Wait()
}
