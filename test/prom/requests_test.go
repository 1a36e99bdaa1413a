package prom

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"testing"
)

// traffic is a known number of requests from one caller to one path.
type traffic struct {
	to     *sidecar
	source string
	path   string
	n      int
}

func send(t *testing.T, tr traffic) {
	t.Helper()
	for range tr.n {
		req, err := http.NewRequest(http.MethodGet, tr.to.appURL+tr.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("x-source-workload", tr.source)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
}

// TestRequestRates is issue 9's check: after known traffic through the
// sidecars, sum(rate(istio_requests_total[1m])) by (destination_service,
// response_code) has exactly the expected series, each at the expected rate.
func TestRequestRates(t *testing.T) {
	reviews := startSidecar(t, "reviews", "v1", "bookinfo")
	ratings := startSidecar(t, "ratings", "v1", "bookinfo")
	meshd := startMeshd(t)
	p := startPrometheus(t,
		job{name: "wasmesh-proxies", path: "/stats/prometheus", targets: []string{reviews.metricsURL, ratings.metricsURL}},
		job{name: "meshd", path: "/metrics", targets: []string{meshd}})

	// One request per series first: Prometheus sees a counter grow only
	// from its second sample, so every series must exist before the
	// counted traffic.
	warm := []traffic{
		{reviews, "productpage-v1", "/reviews/0", 1},
		{reviews, "productpage-v1", "/status/503", 1},
		{ratings, "reviews-v2", "/ratings/0", 1},
		{ratings, "", "/status/403", 1},
	}
	for _, tr := range warm {
		send(t, tr)
	}
	p.waitScrapes(t, 2)
	counted := []traffic{
		{reviews, "productpage-v1", "/reviews/0", 120},
		{reviews, "productpage-v1", "/status/503", 30},
		{ratings, "reviews-v2", "/ratings/0", 60},
		{ratings, "", "/status/403", 12},
	}
	for _, tr := range counted {
		send(t, tr)
	}
	p.waitScrapes(t, 3)

	type key struct{ service, code string }
	want := map[key]int{
		{"reviews.bookinfo.svc.cluster.local", "200"}: 120,
		{"reviews.bookinfo.svc.cluster.local", "503"}: 30,
		{"ratings.bookinfo.svc.cluster.local", "200"}: 60,
		{"ratings.bookinfo.svc.cluster.local", "403"}: 12,
	}

	// The totals are exact: warm-up plus counted requests.
	totals, err := p.query(`sum(istio_requests_total) by (destination_service, response_code)`)
	if err != nil {
		t.Fatal(err)
	}
	if len(totals) != len(want) {
		t.Fatalf("totals: %d series, want %d: %+v", len(totals), len(want), totals)
	}
	for _, s := range totals {
		k := key{s.Metric["destination_service"], s.Metric["response_code"]}
		if n, ok := want[k]; !ok || s.Value != float64(n+1) {
			t.Errorf("total %v = %v, want %d", k, s.Value, n+1)
		}
	}

	// The rates: the counted requests over the one-minute range. The data
	// covers only a few seconds of it, so PromQL extrapolates the increase
	// by up to half a scrape interval at each end: expect n/60 per second,
	// within that margin.
	rates, err := p.query(`sum(rate(istio_requests_total[1m])) by (destination_service, response_code)`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range rates {
		k := key{s.Metric["destination_service"], s.Metric["response_code"]}
		got = append(got, fmt.Sprintf("%s %s", k.service, k.code))
		t.Logf("rate %s %s = %.4f/s", k.service, k.code, s.Value)
		n, ok := want[k]
		if !ok {
			t.Errorf("unexpected series %v", s.Metric)
			continue
		}
		if len(s.Metric) != 2 {
			t.Errorf("series %v: want only destination_service and response_code", s.Metric)
		}
		if exp := float64(n) / 60; s.Value < 0.95*exp || s.Value > 1.6*exp || math.IsNaN(s.Value) {
			t.Errorf("rate %v = %.4f/s, want about %.4f/s (%d requests in a 1m range)", k, s.Value, exp, n)
		}
	}
	slices.Sort(got)
	wantNames := []string{
		"ratings.bookinfo.svc.cluster.local 200", "ratings.bookinfo.svc.cluster.local 403",
		"reviews.bookinfo.svc.cluster.local 200", "reviews.bookinfo.svc.cluster.local 503",
	}
	if !slices.Equal(got, wantNames) {
		t.Errorf("series %v, want %v", got, wantNames)
	}

	// p90 latency per service is answerable from the duration histogram.
	p90, err := p.query(`histogram_quantile(0.9, sum(rate(istio_request_duration_milliseconds_bucket[1m])) by (destination_service, le))`)
	if err != nil {
		t.Fatal(err)
	}
	if len(p90) != 2 {
		t.Errorf("p90 per service: %+v", p90)
	}
	for _, s := range p90 {
		if s.Value <= 0 || s.Value > 1000 {
			t.Errorf("p90 of %s = %v ms, want a loopback latency", s.Metric["destination_service"], s.Value)
		}
	}

	// meshd's own endpoint is scraped too: no proxy is connected.
	proxies, err := p.query(`pilot_xds{job="meshd"}`)
	if err != nil || len(proxies) != 1 || proxies[0].Value != 0 {
		t.Errorf("meshd's connected proxies: %+v, %v; want one series at 0", proxies, err)
	}

	t.Run("dashboards", func(t *testing.T) { checkDashboards(t, p) })
}
