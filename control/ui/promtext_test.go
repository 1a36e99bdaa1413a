package ui

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseText(t *testing.T) {
	text := `# HELP istio_requests_total Total requests.
# TYPE istio_requests_total counter
istio_requests_total{reporter="source",destination_service="reviews.bookinfo.svc.cluster.local",response_code="200"} 42
istio_requests_total{ reporter = "destination" , path="a\"b\\c\nd",} 7 1700000000000
envoy_cluster_upstream_cx_total 3

istio_request_duration_milliseconds_bucket{le="+Inf"} +Inf
go_gc_duration_seconds{quantile="0.5"} 1.5e-05
odd{x="\q"} NaN
`
	got, err := ParseText(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []Sample{
		{Name: "istio_requests_total", Labels: map[string]string{"reporter": "source", "destination_service": "reviews.bookinfo.svc.cluster.local", "response_code": "200"}, Value: 42},
		{Name: "istio_requests_total", Labels: map[string]string{"reporter": "destination", "path": "a\"b\\c\nd"}, Value: 7},
		{Name: "envoy_cluster_upstream_cx_total", Value: 3},
		{Name: "istio_request_duration_milliseconds_bucket", Labels: map[string]string{"le": "+Inf"}, Value: math.Inf(1)},
		{Name: "go_gc_duration_seconds", Labels: map[string]string{"quantile": "0.5"}, Value: 1.5e-05},
		{Name: "odd", Labels: map[string]string{"x": `\q`}, Value: math.NaN()},
	}
	if d := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) })); d != "" {
		t.Errorf("ParseText (-want +got):\n%s", d)
	}
}

func TestParseTextErrors(t *testing.T) {
	for _, bad := range []string{
		`{a="b"} 1`,
		`m{a="b" 1`,
		`m{a="b} 1`,
		`m{a=b} 1`,
		`m{="b"} 1`,
		`m{a="b",a="c"} 1`,
		`m{a="b"}`,
		`m one`,
		`m 1 2 3`,
		`m{a="b"c="d"} 1`,
		"m{a=\"\\",
	} {
		if _, err := ParseText("ok 1\n" + bad + "\n"); !errors.Is(err, ErrBadText) {
			t.Errorf("ParseText(%q) = %v, want ErrBadText", bad, err)
		}
	}
}

func FuzzParseText(f *testing.F) {
	f.Add("# TYPE m counter\nm{a=\"b\",c=\"d\\\"e\"} 1 2\n")
	f.Add("istio_request_duration_milliseconds_bucket{le=\"+Inf\"} 3\n")
	f.Add("m NaN\nn{} -Inf\n")
	f.Fuzz(func(t *testing.T, text string) {
		samples, err := ParseText(text)
		if err != nil {
			if !errors.Is(err, ErrBadText) {
				t.Fatalf("error %v is not ErrBadText", err)
			}
			return
		}
		for _, s := range samples {
			if s.Name == "" || len(s.Labels) > maxLineLabels {
				t.Fatalf("bad sample %+v", s)
			}
		}
		// Whatever parses must build a graph without panicking.
		BuildGraph(&Snapshot{Samples: samples}, &Snapshot{Samples: samples})
	})
}
