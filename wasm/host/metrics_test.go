package host

import (
	"bytes"
	"regexp"
	"strings"
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

// exposition lines: a TYPE line or one sample with valid labels. An
// independent regular expression, not the host's own validator.
var expositionLine = regexp.MustCompile(`^(# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram)|` +
	`[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*")*\})? -?[0-9][0-9.e+]*)$`)

// FuzzWritePrometheus: whatever names guests define, the exposition stays
// well-formed (a hostile name cannot inject lines or break the scrape).
func FuzzWritePrometheus(f *testing.F) {
	f.Add("a{x=\"1\"}", uint8(0))
	f.Add("a{x=\"1\"} 9\nb{y=\"2\"}", uint8(1))
	f.Add("h{le=\"1\"}", uint8(2))
	f.Add("a{x=\"\\\"\",y=\"\\\\\"}", uint8(2))
	f.Add("a{x=\"1\"} 2 b{y=\"3\"}", uint8(0))
	f.Fuzz(func(t *testing.T, name string, typ uint8) {
		m := newMetrics()
		id, st := m.define(abi.MetricType(typ%3), name)
		if st != abi.StatusOK {
			return
		}
		m.record(id, 5)
		// A second series of the same family with another type is refused.
		if fam, labels := splitSeries(name); labels != "" {
			if _, st := m.define(abi.MetricType((typ+1)%3), fam+`{other="x"}`); st != abi.StatusBadArgument {
				t.Fatalf("family %s redefined with another type: %v", fam, st)
			}
		}
		var out bytes.Buffer
		if err := m.WritePrometheus(&out); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			if !expositionLine.MatchString(line) {
				t.Fatalf("malformed line %q for name %q", line, name)
			}
		}
	})
}

// FuzzSplitSeries: a guest's metric name never breaks the exposition: one
// line per sample and a family in Prometheus' alphabet.
func FuzzSplitSeries(f *testing.F) {
	for _, s := range []string{`istio_requests_total{a="b",c="d"}`, "plain", "{x}", "a{", "a{\n}", "9x{y=\"1\"}", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		fam, labels := splitSeries(name)
		line := series(fam, "_bucket", labels, `le="1"`)
		if strings.ContainsAny(line, "\n\r") {
			t.Fatalf("%q renders a line break: %q", name, line)
		}
		for i, c := range []byte(fam) {
			if !(c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && i > 0) {
				t.Fatalf("%q: family %q", name, fam)
			}
		}
	})
}
