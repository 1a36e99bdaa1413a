package ui

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func snapshot(t *testing.T, at time.Time, ss ...series) *Snapshot {
	t.Helper()
	samples, err := ParseText(promText(ss...))
	if err != nil {
		t.Fatal(err)
	}
	return &Snapshot{At: at, Samples: samples}
}

func ptr(f float64) *float64 { return &f }

func TestBuildGraph(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	// Before: productpage has called reviews 10 times (both sides report),
	// reviews-v2 has answered 503 twice, an outside caller reached
	// productpage 5 times (only the server side reports those).
	prev := snapshot(t, t0,
		series{reporter: "source", src: "productpage-v1", dstSvc: "reviews.bookinfo.svc.cluster.local", dst: "reviews-v1", code: 200, count: 6, buckets: map[float64]int{10: 6}},
		series{reporter: "source", src: "productpage-v1", dstSvc: "reviews.bookinfo.svc.cluster.local", dst: "reviews-v2", code: 200, count: 2, buckets: map[float64]int{25: 2}},
		series{reporter: "source", src: "productpage-v1", dstSvc: "reviews.bookinfo.svc.cluster.local", dst: "reviews-v2", code: 503, count: 2, buckets: map[float64]int{50: 2}},
		series{reporter: "destination", src: "productpage-v1", dstSvc: "reviews.bookinfo.svc.cluster.local", dst: "reviews-v1", code: 200, count: 6, buckets: map[float64]int{5: 6}},
		series{reporter: "destination", src: "productpage-v1", dstSvc: "reviews.bookinfo.svc.cluster.local", dst: "reviews-v2", code: 200, count: 2, buckets: map[float64]int{10: 2}},
		series{reporter: "destination", src: "productpage-v1", dstSvc: "reviews.bookinfo.svc.cluster.local", dst: "reviews-v2", code: 503, count: 2, buckets: map[float64]int{25: 2}},
		series{reporter: "destination", src: "unknown", dstSvc: "productpage.bookinfo.svc.cluster.local", dst: "productpage-v1", code: 200, count: 5, buckets: map[float64]int{100: 5}},
	)
	// Two seconds later: 20 more calls to reviews (v1 16 × 200, v2 2 × 200
	// and 2 × 503), 10 from outside of which 2 were denied (403); a new
	// caller appears (details, never called before, 4 calls).
	cur := snapshot(t, t0.Add(2*time.Second),
		series{reporter: "source", src: "productpage-v1", dstSvc: "reviews.bookinfo.svc.cluster.local", dst: "reviews-v1", code: 200, count: 22, buckets: map[float64]int{10: 22}},
		series{reporter: "source", src: "productpage-v1", dstSvc: "reviews.bookinfo.svc.cluster.local", dst: "reviews-v2", code: 200, count: 4, buckets: map[float64]int{25: 4}},
		series{reporter: "source", src: "productpage-v1", dstSvc: "reviews.bookinfo.svc.cluster.local", dst: "reviews-v2", code: 503, count: 4, buckets: map[float64]int{50: 4}},
		series{reporter: "destination", src: "productpage-v1", dstSvc: "reviews.bookinfo.svc.cluster.local", dst: "reviews-v1", code: 200, count: 22, buckets: map[float64]int{5: 22}},
		series{reporter: "destination", src: "productpage-v1", dstSvc: "reviews.bookinfo.svc.cluster.local", dst: "reviews-v2", code: 200, count: 4, buckets: map[float64]int{10: 4}},
		series{reporter: "destination", src: "productpage-v1", dstSvc: "reviews.bookinfo.svc.cluster.local", dst: "reviews-v2", code: 503, count: 4, buckets: map[float64]int{25: 4}},
		series{reporter: "destination", src: "unknown", dstSvc: "productpage.bookinfo.svc.cluster.local", dst: "productpage-v1", code: 200, count: 13, buckets: map[float64]int{100: 13}},
		series{reporter: "destination", src: "unknown", dstSvc: "productpage.bookinfo.svc.cluster.local", dst: "productpage-v1", code: 403, count: 2, buckets: map[float64]int{1: 2}},
		series{reporter: "source", src: "productpage-v1", dstSvc: "details.bookinfo.svc.cluster.local", dst: "details-v1", code: 200, count: 4, buckets: map[float64]int{5: 4}},
	)
	got := BuildGraph(prev, cur)

	wantNodes := []Node{
		{ID: "svc:details.bookinfo.svc.cluster.local", Kind: "service", Name: "details.bookinfo.svc.cluster.local", Namespace: "bookinfo"},
		{ID: "svc:productpage.bookinfo.svc.cluster.local", Kind: "service", Name: "productpage.bookinfo.svc.cluster.local", Namespace: "bookinfo"},
		{ID: "svc:reviews.bookinfo.svc.cluster.local", Kind: "service", Name: "reviews.bookinfo.svc.cluster.local", Namespace: "bookinfo"},
		{ID: "unknown", Kind: "unknown", Name: "unknown"},
		{ID: "wl:bookinfo/details-v1", Kind: "workload", Name: "details-v1", Namespace: "bookinfo"},
		{ID: "wl:bookinfo/productpage-v1", Kind: "workload", Name: "productpage-v1", Namespace: "bookinfo"},
		{ID: "wl:bookinfo/reviews-v1", Kind: "workload", Name: "reviews-v1", Namespace: "bookinfo"},
		{ID: "wl:bookinfo/reviews-v2", Kind: "workload", Name: "reviews-v2", Namespace: "bookinfo"},
	}
	// p90 by PromQL's interpolation, e.g. workload→reviews: 20 requests,
	// rank 18; 16 in (5,10], 2 in (10,25], 2 in (25,50]; rank 18 is the
	// top of (10,25] → 25.
	wantEdges := []Edge{
		{Source: "svc:details.bookinfo.svc.cluster.local", Target: "wl:bookinfo/details-v1", Requests: 4, RPS: 2, P90Ms: ptr(1 + 4*3.6/4)},
		{Source: "svc:productpage.bookinfo.svc.cluster.local", Target: "wl:bookinfo/productpage-v1", Requests: 10, RPS: 5, DeniedRate: 0.2, P90Ms: ptr(50 + 50*(9-2)/8.0)},
		{Source: "svc:reviews.bookinfo.svc.cluster.local", Target: "wl:bookinfo/reviews-v1", Requests: 16, RPS: 8, P90Ms: ptr(1 + 4*14.4/16)},
		{Source: "svc:reviews.bookinfo.svc.cluster.local", Target: "wl:bookinfo/reviews-v2", Requests: 4, RPS: 2, ErrorRate: 0.5, P90Ms: ptr(10 + 15*(3.6-2)/2)},
		{Source: "unknown", Target: "svc:productpage.bookinfo.svc.cluster.local", Requests: 10, RPS: 5, DeniedRate: 0.2, P90Ms: ptr(50 + 50*(9-2)/8.0)},
		{Source: "wl:bookinfo/productpage-v1", Target: "svc:details.bookinfo.svc.cluster.local", Requests: 4, RPS: 2, P90Ms: ptr(1 + 4*3.6/4)},
		{Source: "wl:bookinfo/productpage-v1", Target: "svc:reviews.bookinfo.svc.cluster.local", Requests: 20, RPS: 10, ErrorRate: 0.1, P90Ms: ptr(25)},
	}
	if d := cmp.Diff(Graph{Nodes: wantNodes, Edges: wantEdges, WindowSeconds: 2}, got); d != "" {
		t.Errorf("BuildGraph (-want +got):\n%s", d)
	}
}

func TestBuildGraphOneScrapeAndReset(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	s := series{reporter: "source", src: "a", dstSvc: "b.ns.svc.cluster.local", dst: "b", code: 200, count: 9, buckets: map[float64]int{5: 9}}
	g := BuildGraph(nil, snapshot(t, t0, s))
	if g.WindowSeconds != 0 || len(g.Edges) != 2 || g.Edges[0].Requests != 9 || g.Edges[0].RPS != 0 {
		t.Fatalf("one scrape: totals, no rates: %+v", g)
	}
	// The proxy restarted: its counter went from 9 down to 3.
	restarted := s
	restarted.count, restarted.buckets = 3, map[float64]int{5: 3}
	g = BuildGraph(snapshot(t, t0, s), snapshot(t, t0.Add(time.Second), restarted))
	if g.Edges[0].Requests != 3 || g.Edges[0].RPS != 3 {
		t.Fatalf("after a reset everything counts as new: %+v", g.Edges[0])
	}
	if g := BuildGraph(nil, nil); len(g.Nodes) != 0 || g.Nodes == nil {
		t.Fatalf("no scrape: empty, not null: %+v", g)
	}
}

func TestQuantile(t *testing.T) {
	inf := func() float64 { v, _ := parseValue("+Inf"); return v }()
	for _, tc := range []struct {
		buckets map[float64]float64
		want    float64
		ok      bool
	}{
		{map[float64]float64{10: 0, inf: 0}, 0, false},
		{map[float64]float64{10: 10, inf: 10}, 9, true},
		{map[float64]float64{10: 5, 20: 10, inf: 10}, 18, true},
		{map[float64]float64{10: 0, 20: 0, inf: 4}, 20, true}, // all above the last bound
		{map[float64]float64{10: 4}, 0, false},                // no +Inf bucket
	} {
		got, ok := quantile(0.9, tc.buckets)
		if ok != tc.ok || got != tc.want {
			t.Errorf("quantile(%v) = %v, %v; want %v, %v", tc.buckets, got, ok, tc.want, tc.ok)
		}
	}
}
