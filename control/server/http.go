package server

import (
	"encoding/json"
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/wasmesh/wasmesh/control/config/configapi"
	"github.com/wasmesh/wasmesh/control/modules"
	"github.com/wasmesh/wasmesh/control/pilot"
	"github.com/wasmesh/wasmesh/control/report"
	"github.com/wasmesh/wasmesh/control/ui"
)

func (s *Server) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("/debug/syncz", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.xds.Status()) })
	mux.HandleFunc("/debug/configz", s.configz)
	mux.HandleFunc("/debug/registryz", s.registryz)
	mux.HandleFunc("/debug/leaderz", s.leaderz)
	mux.HandleFunc("/ca/bundle.pem", s.bundle)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mods := s.modules.Handler(s.log)
	mux.Handle(modules.Prefix, mods)
	mux.Handle("/modules", mods)
	mux.HandleFunc("/ca/tokens", s.mintToken)
	s.caAdminRoutes(mux)
	mux.Handle("/v1/report", s.reports)
	mux.Handle("/v1/quota", s.quota)
	dash := ui.Handler(s.uiSources())
	mux.Handle("/ui/", dash)
	mux.Handle("/ui", dash)
	api := configapi.Handler(s.store, configapi.Options{Logger: s.log, DomainSuffix: "cluster.local", Hosts: s.hosts})
	mux.Handle("/v1/", api)
	mux.Handle("/v1/configs", api)
	mux.Handle("/v1/configs-status", api)
	return mux
}

// uiSources feeds the dashboard from the push status, the report sink and
// the connected proxies' metrics endpoints.
func (s *Server) uiSources() ui.Sources {
	src := ui.Sources{
		Reports: func(n int) []report.Record { return s.reports.Records(report.Query{Limit: n}) },
		MetricsURLs: func() []string {
			var urls []string
			for _, p := range s.xds.Status() {
				if p.Node.MetricsURL != "" {
					urls = append(urls, p.Node.MetricsURL)
				}
			}
			return urls
		},
		Logger: s.log,
	}
	src.FromXDS(s.xds)
	return src
}

func (s *Server) hosts() []string {
	var out []string
	for _, svc := range s.reg.Services() {
		out = append(out, svc.Hostname)
	}
	return out
}

// configz dumps the configs in use, or with ?proxy=ID the IR of that proxy
// (&format=envoy: its Envoy resources).
func (s *Server) configz(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("proxy")
	if id == "" {
		s.mu.Lock()
		version := s.snapVersion
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"version": version, "configs": s.store.Current().All()})
		return
	}
	ir, ok := s.xds.Config(id)
	if !ok {
		http.Error(w, "no connected proxy "+id, http.StatusNotFound)
		return
	}
	if r.URL.Query().Get("format") != "envoy" {
		writeJSON(w, http.StatusOK, ir)
		return
	}
	res, err := pilot.Emit(ir)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out := map[string][]json.RawMessage{}
	for t, items := range res.ByType() {
		for _, m := range items {
			b, err := protojson.Marshal(m.(proto.Message))
			if err != nil {
				continue
			}
			out[t] = append(out[t], b)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) registryz(w http.ResponseWriter, _ *http.Request) {
	v := s.reg.View()
	type svc struct {
		Service   any `json:"service"`
		Endpoints any `json:"endpoints"`
	}
	var out []svc
	for _, x := range v.Services() {
		eps := map[uint32]any{}
		for _, p := range x.Ports {
			eps[p.Number] = v.Endpoints(x.Hostname, int(p.Number))
		}
		out = append(out, svc{x, eps})
	}
	writeJSON(w, http.StatusOK, map[string]any{"services": out, "workloads": v.Workloads()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
