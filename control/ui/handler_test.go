package ui

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/report"
)

// growingProxy serves Istio metrics whose counters grow by step requests
// on every scrape, like a proxy under steady traffic.
func growingProxy(t *testing.T, step int, s series) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var scrapes atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := int(scrapes.Add(1)) * step
		s := s
		s.count, s.buckets = n, map[float64]int{25: n}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		io.WriteString(w, promText(s))
	}))
	t.Cleanup(srv.Close)
	return srv, &scrapes
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %s %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func TestHandlerServesAppAndAPI(t *testing.T) {
	pp, ppScrapes := growingProxy(t, 10, series{reporter: "source", src: "productpage-v1", dstSvc: "reviews.bookinfo.svc.cluster.local", dst: "reviews-v1", code: 200})
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer broken.Close()
	t0 := time.Now().UTC().Truncate(time.Second)
	h := Handler(Sources{
		MetricsURLs: func() []string { return []string{pp.URL + "/stats/prometheus", broken.URL} },
		ScrapeGap:   50 * time.Millisecond,
		Reports: func(limit int) []report.Record {
			return []report.Record{
				{Time: t0, Reporter: "destination", Source: "productpage-v1.bookinfo", Destination: "reviews-v1.bookinfo", Code: 200},
				{Time: t0, Reporter: "destination", Source: "unknown", Destination: "reviews-v1.bookinfo", Code: 403, Path: "/admin"},
			}[:min(limit, 2)]
		},
		Proxies: func() []ProxyStatus {
			return []ProxyStatus{{ID: "sidecar~10.0.0.7~reviews-v1.bookinfo~bookinfo.svc.cluster.local", Connected: true,
				Types: []TypeSync{{TypeURL: "type.googleapis.com/envoy.config.listener.v3.Listener", Sent: "7", ACKed: "6", NACKReason: "listener 0.0.0.0_9080: unsupported filter"}}}}
		},
		Config: func() []ServiceConfig {
			return []ServiceConfig{{Service: "reviews.bookinfo.svc.cluster.local", Filters: []WasmFilter{{Name: "authz", Phase: "AUTHZ", Digest: "sha256:00ff"}}}}
		},
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	// The page, and the script it loads.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL + "/ui")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/ui/" {
		t.Fatalf("/ui: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	resp, err = http.Get(srv.URL + "/ui/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("/ui/: %s, CSP %q", resp.Status, resp.Header.Get("Content-Security-Policy"))
	}
	script := regexp.MustCompile(`src="(/ui/assets/[^"]+\.js)"`).FindSubmatch(page)
	if script == nil {
		t.Fatalf("the page loads no bundled script:\n%s", page)
	}
	resp, err = http.Get(srv.URL + string(script[1]))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("%s: %s %s", script[1], resp.Status, resp.Header.Get("Content-Type"))
	}

	// The first topology request scrapes twice, ScrapeGap apart: live rates
	// from the first view; the broken proxy is left out.
	var g Graph
	getJSON(t, srv.URL+"/ui/api/topology", &g)
	if n := ppScrapes.Load(); n != 2 {
		t.Fatalf("first view scraped %d times, want 2", n)
	}
	if len(g.Edges) != 2 || g.Edges[1].Source != "wl:bookinfo/productpage-v1" || g.Edges[1].Requests != 10 ||
		g.Edges[1].RPS <= 0 || g.WindowSeconds < 0.05 || g.Edges[1].P90Ms == nil {
		t.Fatalf("topology: %+v", g)
	}
	// Within ScrapeGap the same pair answers; after it, one more scrape.
	getJSON(t, srv.URL+"/ui/api/topology", &g)
	time.Sleep(60 * time.Millisecond)
	getJSON(t, srv.URL+"/ui/api/topology", &g)
	if n := ppScrapes.Load(); n != 3 {
		t.Fatalf("scrapes after three views: %d, want 3", n)
	}

	var ds []Decision
	getJSON(t, srv.URL+"/ui/api/decisions?limit=5", &ds)
	if len(ds) != 2 || ds[0].Decision != "deny" || ds[0].Path != "/admin" {
		t.Fatalf("decisions: %+v", ds)
	}
	var ps []ProxyStatus
	getJSON(t, srv.URL+"/ui/api/proxies", &ps)
	if len(ps) != 1 || ps[0].Types[0].NACKReason == "" {
		t.Fatalf("proxies: %+v", ps)
	}
	var cs []ServiceConfig
	getJSON(t, srv.URL+"/ui/api/config", &cs)
	if len(cs) != 1 || cs[0].Filters[0].Digest != "sha256:00ff" {
		t.Fatalf("config: %+v", cs)
	}
}

func TestHandlerEmptySources(t *testing.T) {
	srv := httptest.NewServer(Handler(Sources{ScrapeGap: time.Millisecond}))
	defer srv.Close()
	for _, p := range []string{"topology", "proxies", "config", "decisions"} {
		resp, err := http.Get(srv.URL + "/ui/api/" + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if s := strings.TrimSpace(string(b)); strings.Contains(s, "null") {
			t.Errorf("%s with no source: %s (want empty lists, not null)", p, s)
		}
	}
}
