package modules

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Prefix is the URL path the handler serves.
const Prefix = "/modules/"

// Handler serves the store over HTTP under Prefix.
func (s *Store) Handler(log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(Prefix, "/"))
		rest = strings.TrimPrefix(rest, "/")
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			if rest == "" {
				list, err := s.List()
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				writeJSON(w, http.StatusOK, map[string]any{"modules": list})
				return
			}
			f, err := s.Get(rest)
			if err != nil {
				status := http.StatusInternalServerError
				switch {
				case errors.Is(err, ErrNotFound):
					status = http.StatusNotFound
				case errors.Is(err, ErrBadDigest):
					status = http.StatusBadRequest
				}
				http.Error(w, err.Error(), status)
				return
			}
			defer f.Close()
			w.Header().Set("Content-Type", "application/wasm")
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			http.ServeContent(w, r, "", time.Time{}, f)
		case http.MethodPost, http.MethodPut:
			if r.Method == http.MethodPost && rest != "" {
				http.Error(w, "modules: POST to "+Prefix+" (PUT to "+Prefix+"<sha256> to verify the digest)", http.StatusMethodNotAllowed)
				return
			}
			sum, err := s.Put(http.MaxBytesReader(w, r.Body, s.maxSize+1), rest)
			if err != nil {
				status := http.StatusBadRequest
				var mbe *http.MaxBytesError
				if errors.Is(err, ErrTooLarge) || errors.As(err, &mbe) {
					status = http.StatusRequestEntityTooLarge
				}
				http.Error(w, err.Error(), status)
				return
			}
			log.Info("modules: stored", "sha256", sum)
			writeJSON(w, http.StatusCreated, map[string]string{"sha256": sum})
		default:
			w.Header().Set("Allow", "GET, HEAD, POST, PUT")
			http.Error(w, "modules: method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
