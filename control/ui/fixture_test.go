package ui

import (
	"fmt"
	"strings"
)

// series writes one request series the way the telemetry filter names it
// (a subset of Istio's labels: the ones the topology reads).
type series struct {
	reporter, src, dstSvc, dst string
	code                       int
	count                      int
	buckets                    map[float64]int // upper bound → observations in it
}

func (s series) labels() string {
	return fmt.Sprintf(`reporter=%q,source_workload=%q,source_workload_namespace="bookinfo",destination_workload=%q,destination_workload_namespace="bookinfo",destination_service=%q,destination_service_namespace="bookinfo",response_code="%d"`,
		s.reporter, s.src, s.dst, s.dstSvc, s.code)
}

func promText(ss ...series) string {
	var b strings.Builder
	b.WriteString("# TYPE istio_requests_total counter\n")
	for _, s := range ss {
		fmt.Fprintf(&b, "istio_requests_total{%s} %d\n", s.labels(), s.count)
	}
	b.WriteString("# TYPE istio_request_duration_milliseconds histogram\n")
	for _, s := range ss {
		cum := 0
		for _, le := range []float64{0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000} {
			cum += s.buckets[le]
			fmt.Fprintf(&b, "istio_request_duration_milliseconds_bucket{%s,le=\"%g\"} %d\n", s.labels(), le, cum)
		}
		fmt.Fprintf(&b, "istio_request_duration_milliseconds_bucket{%s,le=\"+Inf\"} %d\n", s.labels(), s.count)
		fmt.Fprintf(&b, "istio_request_duration_milliseconds_count{%s} %d\n", s.labels(), s.count)
	}
	return b.String()
}
