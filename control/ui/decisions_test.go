package ui

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wasmesh/wasmesh/control/report"
)

func TestDecisions(t *testing.T) {
	t0 := time.Unix(1700000000, 0).UTC()
	recs := []report.Record{ // newest first, as the sink answers
		{Time: t0.Add(5 * time.Second), Reporter: "destination", Source: "productpage-v1.bookinfo", Destination: "reviews-v2.bookinfo", Code: 200, RequestID: "r5"},
		{Time: t0.Add(5 * time.Second), Reporter: "source", Source: "productpage-v1.bookinfo", Destination: "reviews-v2.bookinfo", Code: 200, RequestID: "r5"},
		{Time: t0.Add(4 * time.Second), Reporter: "destination", Source: "unknown", Destination: "productpage-v1.bookinfo", Code: 403, Principal: "", Path: "/admin", Method: "GET", Flags: "UAEX", RequestID: "r4"},
		{Time: t0.Add(3 * time.Second), Reporter: "destination", Source: "ratings-v1.bookinfo", Destination: "details-v1.bookinfo", Code: 401, Principal: "spiffe://cluster.local/ns/bookinfo/sa/ratings", RequestID: "r3"},
		{Time: t0.Add(2 * time.Second), Reporter: "source", Source: "productpage-v1.bookinfo", Destination: "external", Code: 503, RequestID: "r2"},
	}
	got := Decisions(recs, 0)
	want := []Decision{
		{Time: t0.Add(4 * time.Second), Decision: "deny", Code: 403, Source: "unknown", Destination: "productpage-v1.bookinfo", Method: "GET", Path: "/admin", Reason: "UAEX", RequestID: "r4"},
		{Time: t0.Add(3 * time.Second), Decision: "deny", Code: 401, Principal: "spiffe://cluster.local/ns/bookinfo/sa/ratings", Source: "ratings-v1.bookinfo", Destination: "details-v1.bookinfo", RequestID: "r3"},
		{Time: t0.Add(5 * time.Second), Decision: "allow", Code: 200, Source: "productpage-v1.bookinfo", Destination: "reviews-v2.bookinfo", RequestID: "r5"},
		{Time: t0.Add(2 * time.Second), Decision: "allow", Code: 503, Source: "productpage-v1.bookinfo", Destination: "external", RequestID: "r2"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Decisions (-want +got):\n%s", d)
	}
	if got := Decisions(recs, 1); len(got) != 1 || got[0].RequestID != "r4" {
		t.Errorf("limit 1 keeps the newest denial: %+v", got)
	}
}
