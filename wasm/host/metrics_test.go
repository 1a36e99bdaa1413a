package host

import (
	"bytes"
	"testing"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// Filter metrics named family{labels} keep their labels, share one # TYPE
// per family, and histograms put le after the series' labels.
func TestWritePrometheusLabeledFamilies(t *testing.T) {
	m := newMetrics()
	def := func(typ abi.MetricType, name string) uint32 {
		id, st := m.define(typ, name)
		if st != abi.StatusOK {
			t.Fatalf("define %s: %v", name, st)
		}
		return id
	}
	b := def(abi.MetricCounter, `istio_requests_total{reporter="source",response_code="403"}`)
	a := def(abi.MetricCounter, `istio_requests_total{reporter="source",response_code="200"}`)
	h := def(abi.MetricHistogram, `istio_request_duration_milliseconds{reporter="source"}`)
	plain := def(abi.MetricGauge, "plain.gauge")
	bad := def(abi.MetricCounter, "odd{x=\"1\n\"}")
	m.increment(a, 3)
	m.increment(b, 1)
	m.record(h, 3)
	m.record(plain, 7)
	m.increment(bad, 1)
	var out bytes.Buffer
	if err := m.WritePrometheus(&out); err != nil {
		t.Fatal(err)
	}
	want := `# TYPE istio_request_duration_milliseconds histogram
istio_request_duration_milliseconds_bucket{reporter="source",le="0.5"} 0
istio_request_duration_milliseconds_bucket{reporter="source",le="1"} 0
istio_request_duration_milliseconds_bucket{reporter="source",le="5"} 1
`
	if !bytes.HasPrefix(out.Bytes(), []byte(want)) {
		t.Fatalf("histogram:\n%s", out.String())
	}
	for _, w := range []string{
		`istio_request_duration_milliseconds_bucket{reporter="source",le="+Inf"} 1
istio_request_duration_milliseconds_sum{reporter="source"} 3
istio_request_duration_milliseconds_count{reporter="source"} 1
# TYPE istio_requests_total counter
istio_requests_total{reporter="source",response_code="200"} 3
istio_requests_total{reporter="source",response_code="403"} 1
`,
		"# TYPE odd_x__1___ counter\nodd_x__1___ 1\n",
		"# TYPE plain_gauge gauge\nplain_gauge 7\n",
	} {
		if !bytes.Contains(out.Bytes(), []byte(w)) {
			t.Errorf("exposition lacks %q:\n%s", w, out.String())
		}
	}
	if n := bytes.Count(out.Bytes(), []byte("# TYPE istio_requests_total")); n != 1 {
		t.Errorf("%d TYPE lines for istio_requests_total", n)
	}
}
