package prom

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/fixture"
)

// histogramBuckets are the proxy host's bounds (Envoy's defaults).
var histogramBuckets = []float64{0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000}

// labelNames are Istio's standard labels in the telemetry filter's order.
var labelNames = []string{
	"reporter",
	"source_workload", "source_workload_namespace", "source_principal", "source_app", "source_version",
	"source_canonical_service", "source_canonical_revision", "source_cluster",
	"destination_workload", "destination_workload_namespace", "destination_principal", "destination_app",
	"destination_version", "destination_service", "destination_service_name", "destination_service_namespace",
	"destination_canonical_service", "destination_canonical_revision", "destination_cluster",
	"request_protocol", "response_code", "grpc_response_status", "response_flags", "connection_security_policy",
}

// sidecar stands in for the server-side proxy of one workload: it serves
// the app on one loopback port, counts every request it answers the way
// the telemetry filter does (reporter="destination"), and serves the
// metrics on another port in the Prometheus text format.
type sidecar struct {
	app, version, namespace string

	mu         sync.Mutex
	counts     map[string]uint64
	histograms map[string]*histogram

	appURL, metricsURL string
}

type histogram struct {
	buckets []uint64
	count   uint64
	sum     float64
}

// startSidecar listens on two loopback ports; the app answers the status in
// the path (/status/503) or 200.
func startSidecar(t *testing.T, app, version, namespace string) *sidecar {
	t.Helper()
	s := &sidecar{app: app, version: version, namespace: namespace, counts: map[string]uint64{}, histograms: map[string]*histogram{}}
	appMux := http.NewServeMux()
	appMux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		code := http.StatusOK
		if v, ok := strings.CutPrefix(r.URL.Path, "/status/"); ok {
			if c, err := strconv.Atoi(v); err == nil && c >= 200 && c < 600 {
				code = c
			}
		}
		w.WriteHeader(code)
		s.record(r.Header.Get("x-source-workload"), code, time.Since(start))
	})
	metricsMux := http.NewServeMux()
	metricsMux.HandleFunc("GET /stats/prometheus", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		s.writePrometheus(w)
	})
	s.appURL = "http://" + fixture.Serve(t, appMux)
	s.metricsURL = fixture.Serve(t, metricsMux)
	return s
}

func (s *sidecar) service() string { return s.app + "." + s.namespace + ".svc.cluster.local" }

// name renders name{labels} for one request, as the telemetry filter does.
func (s *sidecar) name(metric, source string, code int) string {
	src, srcNS := "unknown", "unknown"
	if source != "" {
		src, srcNS = source, s.namespace
	}
	workload := s.app + "-" + s.version
	values := []string{
		"destination",
		src, srcNS, "unknown", "unknown", "unknown", "unknown", "unknown", "unknown",
		workload, s.namespace, "spiffe://cluster.local/ns/" + s.namespace + "/sa/" + s.app, s.app,
		s.version, s.service(), s.app, s.namespace,
		s.app, s.version, "unknown",
		"http", strconv.Itoa(code), "unknown", "-", "none",
	}
	var b strings.Builder
	b.WriteString(metric)
	b.WriteByte('{')
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", labelNames[i], v)
	}
	b.WriteByte('}')
	return b.String()
}

func (s *sidecar) record(source string, code int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[s.name("istio_requests_total", source, code)]++
	k := s.name("istio_request_duration_milliseconds", source, code)
	h := s.histograms[k]
	if h == nil {
		h = &histogram{buckets: make([]uint64, len(histogramBuckets))}
		s.histograms[k] = h
	}
	ms := float64(d.Microseconds()) / 1000
	if i, _ := slices.BinarySearch(histogramBuckets, ms); i < len(histogramBuckets) {
		h.buckets[i]++
	}
	h.count++
	h.sum += ms
}

// writePrometheus writes the text format grouped by metric family, each
// series' labels as the filter named them.
func (s *sidecar) writePrometheus(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintln(w, "# TYPE istio_requests_total counter")
	for _, k := range sortedKeys(s.counts) {
		fmt.Fprintf(w, "%s %d\n", k, s.counts[k])
	}
	fmt.Fprintln(w, "# TYPE istio_request_duration_milliseconds histogram")
	for _, k := range sortedKeys(s.histograms) {
		h := s.histograms[k]
		base, labels, _ := strings.Cut(k, "{")
		labels = strings.TrimSuffix(labels, "}")
		var cum uint64
		for i, le := range histogramBuckets {
			cum += h.buckets[i]
			fmt.Fprintf(w, "%s_bucket{%s,le=\"%s\"} %d\n", base, labels, strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(w, "%s_bucket{%s,le=\"+Inf\"} %d\n%s_sum{%s} %s\n%s_count{%s} %d\n", base, labels, h.count,
			base, labels, strconv.FormatFloat(h.sum, 'g', -1, 64), base, labels, h.count)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
