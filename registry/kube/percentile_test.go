package kube_test

import (
	"slices"
	"testing"
	"time"
)

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	b.ReportMetric(float64(at(0.5).Microseconds()), "p50-µs")
	b.ReportMetric(float64(at(0.9).Microseconds()), "p90-µs")
	b.ReportMetric(float64(at(0.99).Microseconds()), "p99-µs")
}
