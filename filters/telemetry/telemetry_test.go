package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPeerRoundTrip(t *testing.T) {
	p := peerInfo{Workload: "productpage-v1", Namespace: "bookinfo", App: "productpage", Version: "v1", Service: "productpage"}
	got, err := decodePeer(p.encode())
	if err != nil || got != p {
		t.Fatalf("got %+v, %v", got, err)
	}
	for _, bad := range []string{"!!!", "bm90IGpzb24", strings.Repeat("A", maxPeerHeader+1)} {
		if _, err := decodePeer(bad); err == nil {
			t.Errorf("decodePeer(%.20q) accepted", bad)
		}
	}
}

func TestLabels(t *testing.T) {
	self := peerInfo{Workload: "reviews-v1", Namespace: "bookinfo", App: "reviews", Version: "v1", Service: "reviews", Revision: "v1"}
	peer := peerInfo{Workload: "productpage-v1", Namespace: "bookinfo", App: "productpage", Version: "v1", Service: "productpage", Revision: "v1"}
	f := facts{Reporter: "destination", Self: self, Peer: peer, SourcePrincipal: "spiffe://cluster.local/ns/bookinfo/sa/productpage",
		DestService: "reviews.bookinfo.svc.cluster.local", Protocol: "http", ResponseCode: 200, MutualTLS: true}
	name := metricName(metricRequests, labels(f))
	for _, want := range []string{
		`istio_requests_total{reporter="destination",source_workload="productpage-v1",source_workload_namespace="bookinfo"`,
		`source_principal="spiffe://cluster.local/ns/bookinfo/sa/productpage"`,
		`destination_workload="reviews-v1"`, `destination_service="reviews.bookinfo.svc.cluster.local"`,
		`destination_service_name="reviews"`, `destination_service_namespace="bookinfo"`,
		`response_code="200"`, `response_flags="-"`, `connection_security_policy="mutual_tls"}`,
	} {
		if !strings.Contains(name, want) {
			t.Errorf("%s\nlacks %s", name, want)
		}
	}
	if got := len(labels(f)); got != len(labelNames) {
		t.Fatalf("%d values for %d names", got, len(labelNames))
	}
	// The client side swaps roles and cannot know the server's TLS policy.
	f.Reporter = "source"
	name = metricName(metricRequests, labels(f))
	if !strings.Contains(name, `source_workload="reviews-v1"`) || !strings.Contains(name, `connection_security_policy="unknown"`) {
		t.Errorf("source reporter: %s", name)
	}
	for host, want := range map[string][2]string{
		"reviews.bookinfo.svc.cluster.local": {"reviews", "bookinfo"}, "10.251.1.10": {"10.251.1.10", ""},
		"fd00::1": {"fd00::1", ""}, "web": {"web", ""}, "1.2.3.x": {"1", "2"},
	} {
		if n, ns := splitService(host); n != want[0] || ns != want[1] {
			t.Errorf("splitService(%q) = %q, %q", host, n, ns)
		}
	}
	if got := escapeLabel("a\"b\\c\nd"); got != `a\"b\\c\nd` {
		t.Errorf("escape: %s", got)
	}
}

func TestBatch(t *testing.T) {
	b := batch{max: 2}
	if b.take() != nil {
		t.Fatal("empty batch not nil")
	}
	if b.add(record{Code: 200}.encode()) {
		t.Fatal("full after 1 of 2")
	}
	if !b.add(record{Code: 404}.encode()) {
		t.Fatal("not full after 2 of 2")
	}
	var recs []record
	if err := json.Unmarshal(b.take(), &recs); err != nil || len(recs) != 2 || recs[1].Code != 404 {
		t.Fatalf("%v %v", recs, err)
	}
	if b.take() != nil {
		t.Fatal("take did not empty the batch")
	}
}

func TestParseConfig(t *testing.T) {
	c, err := parseConfig(nil)
	if err != nil || c.BatchMaxEntries != 100 || c.batchMaxTime.String() != "1s" {
		t.Fatalf("%+v %v", c, err)
	}
	for in, want := range map[string]string{
		`{"reporter":"client"}`:    `reporter must be "source" or "destination"`,
		`{"batchMaxEntries":0}`:    "batchMaxEntries 0 is not in 1..10000",
		`{"batchMaxTime":"1ms"}`:   "at least 10ms",
		`{"reportTimeout":"soon"}`: "not a positive duration",
		`{"reportCluster":1}`:      "cannot unmarshal",
		`{"nope":true}`:            `unknown field "nope"`,
	} {
		if _, err := parseConfig([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", in, err, want)
		}
	}
}

func FuzzDecodePeer(f *testing.F) {
	f.Add(peerInfo{Workload: "w", Namespace: "n"}.encode())
	f.Add("e30")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := decodePeer(s)
		if err != nil {
			return
		}
		// Whatever a peer sends must render as valid label values.
		name := metricName(metricRequests, labels(facts{Reporter: "destination", Peer: p}))
		if strings.Count(name, "{") < 1 || !strings.HasSuffix(name, "}") {
			t.Fatalf("bad metric name %q", name)
		}
	})
}
