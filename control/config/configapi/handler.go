package configapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config"
	"sigs.k8s.io/yaml"
)

// Store is what the handler serves; *dirstore.Store is one.
type Store interface {
	Current() *config.Snapshot
	Status() config.Status
	ApplyFile(name string, data []byte) ([]api.Config, error)
	Delete(kind, namespace, name string) error
}

// MaxBody bounds the size of an applied file.
const MaxBody = 8 << 20

// Options configure the handler.
type Options struct {
	// Hosts returns the hosts known to the service registry, for the
	// warnings of config.Analyze; nil means none besides ServiceEntries.
	Hosts func() []string
	// DomainSuffix for config.Analyze.
	DomainSuffix string
	// Logger; slog.Default() when nil.
	Logger *slog.Logger
}

// AppliedConfig names a config written by an apply.
type AppliedConfig struct {
	Kind            string `json:"kind"`
	Namespace       string `json:"namespace"`
	Name            string `json:"name"`
	ResourceVersion string `json:"resourceVersion"`
}

// ApplyResult is the answer to an apply.
type ApplyResult struct {
	Applied  []AppliedConfig  `json:"applied"`
	Warnings []config.Warning `json:"warnings,omitempty"`
}

// StatusResult is the answer to a status request.
type StatusResult struct {
	Version  string           `json:"version"`
	Configs  int              `json:"configs"`
	LoadedAt time.Time        `json:"loadedAt"`
	Errors   []config.Error   `json:"errors,omitempty"`
	ErrorAt  *time.Time       `json:"errorAt,omitempty"`
	Warnings []config.Warning `json:"warnings,omitempty"`
}

type errorBody struct {
	Errors []config.Error `json:"errors"`
}

type handler struct {
	store Store
	opts  Options
}

// Handler returns the HTTP API over store.
func Handler(store Store, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &handler{store: store, opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/configs", h.apply)
	mux.HandleFunc("GET /v1/configs", h.list)
	mux.HandleFunc("GET /v1/configs/{kind}/{namespace}/{name}", h.get)
	mux.HandleFunc("DELETE /v1/configs/{kind}/{namespace}/{name}", h.delete)
	mux.HandleFunc("GET /v1/configs-status", h.status)
	return mux
}

func (h *handler) warnings(s *config.Snapshot) []config.Warning {
	var hosts []string
	if h.opts.Hosts != nil {
		hosts = h.opts.Hosts()
	}
	return config.Analyze(s, config.AnalyzeOptions{Hosts: hosts, DomainSuffix: h.opts.DomainSuffix})
}

func (h *handler) apply(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("file")
	if name == "" {
		name = "<request>"
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		http.Error(w, "configapi: reading body: "+err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	applied, err := h.store.ApplyFile(name, body)
	if err != nil {
		var list config.ErrorList
		switch {
		case errors.As(err, &list) && len(applied) == 0:
			writeJSON(w, http.StatusUnprocessableEntity, errorBody{Errors: list})
		case errors.Is(err, config.ErrNotWritable):
			http.Error(w, err.Error(), http.StatusConflict)
		default:
			h.opts.Logger.Error("configapi: apply failed", "file", name, "err", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
		return
	}
	res := ApplyResult{Warnings: h.warnings(h.store.Current())}
	for _, c := range applied {
		res.Applied = append(res.Applied, AppliedConfig{Kind: c.Kind, Namespace: c.Metadata.Namespace, Name: c.Metadata.Name,
			ResourceVersion: c.Metadata.ResourceVersion})
		h.opts.Logger.Info("configapi: applied", "config", c.Key().String(), "file", name)
	}
	writeJSON(w, http.StatusOK, res)
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	kind, ns := r.URL.Query().Get("kind"), r.URL.Query().Get("namespace")
	s := h.store.Current()
	var cfgs []api.Config
	switch {
	case kind != "" && ns != "":
		cfgs = s.ListNamespace(kind, ns)
	case kind != "":
		cfgs = s.List(kind)
	default:
		for _, c := range s.All() {
			if ns == "" || c.Metadata.Namespace == ns {
				cfgs = append(cfgs, c)
			}
		}
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("X-Config-Version", s.Version())
	for i, c := range cfgs {
		b, err := yaml.Marshal(c)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if i > 0 {
			_, _ = io.WriteString(w, "---\n")
		}
		_, _ = w.Write(b)
	}
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	c, ok := h.store.Current().Get(r.PathValue("kind"), r.PathValue("namespace"), r.PathValue("name"))
	if !ok {
		http.Error(w, "configapi: not found", http.StatusNotFound)
		return
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(b)
}

func (h *handler) delete(w http.ResponseWriter, r *http.Request) {
	err := h.store.Delete(r.PathValue("kind"), r.PathValue("namespace"), r.PathValue("name"))
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, config.ErrNotFound):
		http.Error(w, err.Error(), http.StatusNotFound)
	case errors.Is(err, config.ErrNotWritable):
		http.Error(w, err.Error(), http.StatusConflict)
	default:
		var list config.ErrorList
		if errors.As(err, &list) {
			writeJSON(w, http.StatusUnprocessableEntity, errorBody{Errors: list})
			return
		}
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func (h *handler) status(w http.ResponseWriter, _ *http.Request) {
	st := h.store.Status()
	res := StatusResult{Version: st.Version, Configs: st.Configs, LoadedAt: st.LoadedAt, Warnings: h.warnings(h.store.Current())}
	if st.Err != nil {
		var list config.ErrorList
		if errors.As(st.Err, &list) {
			res.Errors = list
		} else {
			res.Errors = []config.Error{{Message: st.Err.Error()}}
		}
		at := st.ErrAt
		res.ErrorAt = &at
	}
	writeJSON(w, http.StatusOK, res)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
