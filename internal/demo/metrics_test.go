package demo

import (
	"strings"
	"testing"
)

func TestInbound(t *testing.T) {
	text := `# TYPE istio_requests_total counter
istio_requests_total{reporter="destination",destination_service_name="reviews",response_code="200"} 7
istio_requests_total{reporter="destination",destination_service_name="reviews",response_code="503"} 2
istio_requests_total{reporter="destination",destination_service_name="ratings",response_code="200"} 5
istio_requests_total{reporter="source",destination_service_name="ratings",response_code="200"} 3
istio_requests_total_other{destination_service_name="reviews"} 100
istio_request_bytes_count{destination_service_name="reviews"} 9
istio_requests_total{reporter="destination",destination_service_name="re\"views",x="a,b"} 1
`
	for _, c := range []struct {
		app  string
		want float64
	}{{"reviews", 9}, {"ratings", 5}, {"details", 0}, {`re"views`, 1}} {
		ss, err := inbound(strings.NewReader(text), c.app)
		if got := sum(ss, nil); err != nil || got != c.want {
			t.Errorf("inbound(%q) sums to %v, %v; want %v", c.app, got, err, c.want)
		}
	}
	ss, _ := inbound(strings.NewReader(text), "reviews")
	if got := sum(ss, func(l map[string]string) bool { return l["response_code"] == "503" }); got != 2 {
		t.Errorf("503s: %v", got)
	}
	for _, bad := range []string{
		`istio_requests_total{destination_service_name="reviews} 1`,
		`istio_requests_total{destination_service_name=reviews} 1`,
		`istio_requests_total{reporter="destination",destination_service_name="reviews"} many`,
	} {
		if _, err := inbound(strings.NewReader(bad), "reviews"); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// FuzzInbound: metrics text comes from proxies; bad input is an error, never a panic.
func FuzzInbound(f *testing.F) {
	f.Add(`istio_requests_total{reporter="source",destination_service_name="reviews"} 7`)
	f.Add(`istio_requests_total{a="\\",b="\n"} 1e3`)
	f.Add(`istio_requests_total{`)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = inbound(strings.NewReader(s), "reviews")
	})
}
