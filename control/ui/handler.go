package ui

import (
	"embed"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// dist holds the built single-page app (web/ → npm run build).
//
//go:embed dist
var dist embed.FS

// Handler serves the dashboard at /ui/ and its JSON at /ui/api/.
func Handler(src Sources) http.Handler {
	if src.Client == nil {
		src.Client = &http.Client{Timeout: 2 * time.Second}
	}
	if src.ScrapeGap <= 0 {
		src.ScrapeGap = time.Second
	}
	if src.Logger == nil {
		src.Logger = slog.New(slog.DiscardHandler)
	}
	sc := &scraper{urls: src.MetricsURLs, client: src.Client, gap: src.ScrapeGap, log: src.Logger}
	static, err := fs.Sub(dist, "dist")
	if err != nil { // dist is embedded at build time; it is always there
		static = dist
	}

	mux := http.NewServeMux()
	mux.Handle("GET /ui", http.RedirectHandler("/ui/", http.StatusMovedPermanently))
	mux.Handle("GET /ui/", http.StripPrefix("/ui/", pageHeaders(http.FileServerFS(static))))
	mux.HandleFunc("GET /ui/api/topology", func(w http.ResponseWriter, r *http.Request) {
		prev, cur := sc.pair(r.Context())
		writeJSON(w, BuildGraph(prev, cur))
	})
	mux.HandleFunc("GET /ui/api/proxies", func(w http.ResponseWriter, _ *http.Request) {
		out := []ProxyStatus{}
		if src.Proxies != nil {
			out = append(out, src.Proxies()...)
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("GET /ui/api/config", func(w http.ResponseWriter, _ *http.Request) {
		out := []ServiceConfig{}
		if src.Config != nil {
			out = append(out, src.Config()...)
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("GET /ui/api/decisions", func(w http.ResponseWriter, r *http.Request) {
		limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
		if err != nil || limit <= 0 || limit > 1000 {
			limit = 100
		}
		out := []Decision{}
		if src.Reports != nil {
			// Read more records than shown: denials are sorted first, so
			// they must be found among the allowed requests around them.
			out = append(out, Decisions(src.Reports(10*limit), limit)...)
		}
		writeJSON(w, out)
	})
	return mux
}

// pageHeaders keeps the page to its own origin.
func pageHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away
}
