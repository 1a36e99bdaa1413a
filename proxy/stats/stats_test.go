package stats

import (
	"strings"
	"testing"
)

func TestStore(t *testing.T) {
	s := New()
	s.Inc("cluster.a.upstream_rq_total")
	s.Inc("cluster.a.upstream_rq_total")
	s.Gauge("cluster.a.membership_total").Store(3)
	var b strings.Builder
	if err := s.WriteText(&b, "cluster.a"); err != nil {
		t.Fatal(err)
	}
	if b.String() != "cluster.a.membership_total: 3\ncluster.a.upstream_rq_total: 2\n" {
		t.Fatalf("text: %q", b.String())
	}
	b.Reset()
	_ = s.WritePrometheus(&b)
	if !strings.Contains(b.String(), "# TYPE envoy_cluster_a_upstream_rq_total counter\nenvoy_cluster_a_upstream_rq_total 2\n") {
		t.Fatalf("prom: %q", b.String())
	}
}
