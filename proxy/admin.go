package proxy

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"sort"
	"strings"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// adminMux serves Envoy's admin endpoints.
func (p *Proxy) adminMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/config_dump", func(w http.ResponseWriter, _ *http.Request) {
		b, err := p.configDump()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/clusters", p.adminClusters)
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		_ = p.stats.WriteText(w, r.URL.Query().Get("filter"))
	})
	mux.HandleFunc("/stats/prometheus", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_ = p.stats.WritePrometheus(w)
		if m, ok := p.cfg.Wasm.(interface{ WriteMetrics(w http.ResponseWriter) }); ok {
			m.WriteMetrics(w)
		}
	})
	mux.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) {
		if p.ready.Load() {
			_, _ = fmt.Fprintln(w, "LIVE")
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprintln(w, "PRE_INITIALIZING")
	})
	mux.HandleFunc("/logging", p.adminLogging)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/quitquitquit", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return
		}
		_, _ = fmt.Fprintln(w, "OK")
		// Send the answer before shutting down closes this connection.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		p.quitOnce.Do(func() { close(p.quit) })
	})
	return mux
}

func (p *Proxy) adminLogging(w http.ResponseWriter, r *http.Request) {
	if p.cfg.LogLevel == nil {
		http.Error(w, "log level is not adjustable", http.StatusNotImplemented)
		return
	}
	if lv := r.URL.Query().Get("level"); lv != "" {
		if r.Method != http.MethodPost {
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return
		}
		var l slog.Level
		switch strings.ToLower(lv) {
		case "trace", "debug":
			l = slog.LevelDebug
		case "info":
			l = slog.LevelInfo
		case "warning", "warn":
			l = slog.LevelWarn
		case "error", "critical", "off":
			l = slog.LevelError
		default:
			http.Error(w, "unknown level "+lv, http.StatusBadRequest)
			return
		}
		p.cfg.LogLevel.Set(l)
	}
	_, _ = fmt.Fprintf(w, "active loggers:\n  meshproxy: %s\n", strings.ToLower(p.cfg.LogLevel.Level().String()))
}

// adminClusters writes Envoy's /clusters text format.
func (p *Proxy) adminClusters(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	all := p.clusters.All()
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	now := time.Now()
	for _, n := range names {
		c := all[n]
		l := c.Config.Limits
		fmt.Fprintf(w, "%s::default_priority::max_connections::%d\n%s::default_priority::max_pending_requests::%d\n", n, l.MaxConnections, n, l.MaxPendingRequests)
		fmt.Fprintf(w, "%s::default_priority::max_requests::%d\n%s::default_priority::max_retries::%d\n", n, l.MaxRequests, n, l.MaxRetries)
		for _, h := range c.Hosts() {
			flags := "healthy"
			var f []string
			if h.HealthCheckFailed() {
				f = append(f, "/failed_active_hc")
			}
			if !h.Healthy(now) && h.Ejected() {
				f = append(f, "/failed_outlier_check")
			}
			if es := h.EDSHealth(); es == config.HealthUnhealthy || es == config.HealthDraining {
				f = append(f, "/failed_eds_health")
			}
			if len(f) > 0 {
				flags = strings.Join(f, "")
			}
			fmt.Fprintf(w, "%s::%s::rq_active::%d\n", n, h.Addr, h.Active())
			fmt.Fprintf(w, "%s::%s::rq_total::%d\n", n, h.Addr, h.Requests.Load())
			fmt.Fprintf(w, "%s::%s::rq_error::%d\n", n, h.Addr, h.Errors5xx.Load())
			fmt.Fprintf(w, "%s::%s::weight::%d\n", n, h.Addr, h.Weight)
			fmt.Fprintf(w, "%s::%s::locality::%s\n", n, h.Addr, h.Locality)
			fmt.Fprintf(w, "%s::%s::health_flags::%s\n", n, h.Addr, flags)
		}
	}
}
