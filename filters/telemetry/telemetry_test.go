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
	if body, n := b.take(); body != nil || n != 0 {
		t.Fatal("empty batch not nil")
	}
	for round := range 2 { // the second round reuses the buffer
		r := record{Code: 200, Reporter: "source"}
		if b.add(&r, r.appendHead(nil)) {
			t.Fatal("full after 1 of 2")
		}
		r = record{Code: 404 + round, Path: "/a\"b", Reporter: "source"}
		if !b.add(&r, r.appendHead(nil)) {
			t.Fatal("not full after 2 of 2")
		}
		body, n := b.take()
		var recs []record
		if err := json.Unmarshal(body, &recs); err != nil || n != 2 || len(recs) != 2 || recs[1].Code != 404+round || recs[1].Path != "/a\"b" || recs[0].Reporter != "source" {
			t.Fatalf("round %d: %s: %v %v", round, body, recs, err)
		}
		if body, _ := b.take(); body != nil {
			t.Fatal("take did not empty the batch")
		}
	}
}

// TestRecordJSON: the hand-written encoder writes what encoding/json does.
func TestRecordJSON(t *testing.T) {
	for _, r := range []record{
		{},
		{TimeNanos: 1795600800123456789, Reporter: "destination", Source: "a.b", Destination: "c.d", Service: "c.d.svc.cluster.local",
			Principal: "spiffe://cluster.local/ns/b/sa/a", Method: "GET", Path: "/x?y=<1>&z=\"2\"", Protocol: "http", Code: 403,
			Flags: "UH", Reason: "denied\n\t\x01\u2028é\xff", DurationMs: -1, RequestBytes: 1 << 40, ResponseBytes: 7, RequestID: "id"},
	} {
		want, _ := json.Marshal(r)
		if got := r.appendJSON(nil); string(got) != string(want) {
			t.Errorf("appendJSON\n got %s\nwant %s", got, want)
		}
	}
}

func TestPeerCache(t *testing.T) {
	var c peerCache
	h := client.encode()
	for range 2 {
		if p, err := c.decode(h); err != nil || p.info != client || p.id != "productpage-v1.bookinfo" {
			t.Fatalf("%+v %v", p, err)
		}
	}
	if _, err := c.decode("!!!"); err == nil || len(c) != 1 {
		t.Fatalf("bad header: err %v, %d cached", err, len(c))
	}
	for i := range maxCachedPeers + 1 {
		if _, err := c.decode(peerInfo{Workload: strings.Repeat("w", i+1)}.encode()); err != nil {
			t.Fatal(err)
		}
	}
	if len(c) > maxCachedPeers {
		t.Errorf("%d peers cached, bound %d", len(c), maxCachedPeers)
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

// FuzzRecordJSON: whatever the strings, the record encodes as encoding/json
// encodes it, so the sink reads exactly what was reported.
func FuzzRecordJSON(f *testing.F) {
	f.Add("/path?q=1", "denied <by> \"policy\"", int64(1795600800123456789), 200)
	f.Add("\xff\xfe\u2029", "\x00\x1f\x7f", int64(-1), -5)
	f.Fuzz(func(t *testing.T, path, reason string, ns int64, code int) {
		r := record{TimeNanos: ns, Reporter: "source", Source: path, Destination: reason, Path: path, Reason: reason, Code: code, RequestID: path + reason}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.appendJSON(nil); string(got) != string(want) {
			t.Fatalf("appendJSON\n got %s\nwant %s", got, want)
		}
	})
}
