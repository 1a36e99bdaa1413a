package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/stats"
)

func testCluster(t *testing.T, c *config.Cluster) *Cluster {
	t.Helper()
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = time.Second
	}
	if c.Limits == (config.Limits{}) {
		c.Limits = config.Limits{MaxConnections: 1024, MaxPendingRequests: 1024, MaxRequests: 1024, MaxRetries: 3}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cl := newCluster(ctx, c, nil, stats.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { cancel(); cl.close() })
	return cl
}

func hosts(addrs ...string) []config.Host {
	var out []config.Host
	for _, a := range addrs {
		h, p, _ := net.SplitHostPort(a)
		n, _ := strconv.Atoi(p)
		out = append(out, config.Host{Address: h, Port: uint32(n), Weight: 1})
	}
	return out
}

func TestLocalityWeightsAndPriorities(t *testing.T) {
	cl := testCluster(t, &config.Cluster{Name: "c"})
	cl.SetEndpoints(&config.Endpoints{Localities: []config.Locality{
		{Zone: "a", Weight: 3, Hosts: hosts("10.0.0.1:80")},
		{Zone: "b", Weight: 1, Hosts: hosts("10.0.0.2:80")},
		{Zone: "c", Priority: 1, Weight: 1, Hosts: hosts("10.0.0.3:80")},
	}})
	n := map[string]int{}
	for i := 0; i < 4000; i++ {
		h, err := cl.Pick(&PickContext{})
		if err != nil {
			t.Fatal(err)
		}
		n[h.Addr]++
	}
	if n["10.0.0.3:80"] != 0 {
		t.Errorf("priority 1 got traffic while priority 0 is healthy: %v", n)
	}
	if r := float64(n["10.0.0.1:80"]) / float64(n["10.0.0.2:80"]); r < 2.5 || r > 3.6 {
		t.Errorf("locality weights 3:1 gave %v", n)
	}
	// Fail priority 0: traffic moves to priority 1.
	for _, h := range cl.Hosts()[:2] {
		h.hcFailed.Store(true)
	}
	h, _ := cl.Pick(&PickContext{})
	if h.Addr != "10.0.0.3:80" {
		t.Errorf("failover went to %s", h.Addr)
	}
}

func TestRingHashStableAndSpread(t *testing.T) {
	cl := testCluster(t, &config.Cluster{Name: "c", LB: config.LBRingHash, RingMinSize: 1024})
	cl.SetEndpoints(&config.Endpoints{Localities: []config.Locality{{Hosts: hosts("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80")}}})
	n := map[string]int{}
	for i := 0; i < 3000; i++ {
		pc := &PickContext{Hash: HashKey(fmt.Sprint("user-", i)), HasHash: true}
		a, _ := cl.Pick(pc)
		b, _ := cl.Pick(pc)
		if a != b {
			t.Fatal("same key, different hosts")
		}
		n[a.Addr]++
	}
	for addr, c := range n {
		if c < 600 || c > 1400 {
			t.Errorf("ring hash share of %s: %d of 3000", addr, c)
		}
	}
}

func TestH1PoolReusesAndRecoversFromStaleConnections(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s", r.Method, b)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	cl := testCluster(t, &config.Cluster{Name: "c"})
	rt := cl.Transport(1)
	do := func(method, body string) string {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+"/", nil)
		if body != "" {
			b := []byte(body)
			req, _ = http.NewRequest(method, srv.URL+"/", io.NopCloser(bytes.NewReader(b)))
			req.ContentLength = int64(len(b))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		}
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(out)
	}
	for i := 0; i < 5; i++ {
		if got := do("GET", ""); got != "GET " {
			t.Fatalf("got %q", got)
		}
	}
	if conns.Load() != 1 {
		t.Fatalf("5 sequential requests used %d connections, want 1", conns.Load())
	}
	// The server closes idle connections: the pooled one is stale and the
	// next request (with a replayable body) must still succeed.
	srv.CloseClientConnections()
	time.Sleep(20 * time.Millisecond)
	if got := do("POST", "payload"); got != "POST payload" {
		t.Fatalf("after stale connection: %q", got)
	}
	// A body not read to the end is not pooled.
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	before := conns.Load()
	do("GET", "")
	if conns.Load() != before+1 {
		t.Errorf("an unread response's connection was reused")
	}
}

func TestCircuitBreakerLimits(t *testing.T) {
	cl := testCluster(t, &config.Cluster{Name: "c", Limits: config.Limits{MaxConnections: 1, MaxPendingRequests: 1, MaxRequests: 10, MaxRetries: 1}})
	cl.SetEndpoints(&config.Endpoints{Localities: []config.Locality{{Hosts: hosts("10.0.0.1:80")}}})
	h, _ := cl.Pick(&PickContext{})
	r1, err1 := cl.AcquireRequest(h)
	r2, err2 := cl.AcquireRequest(h)
	_, err3 := cl.AcquireRequest(h)
	if err1 != nil || err2 != nil || err3 != ErrOverflow {
		t.Fatalf("limits: %v %v %v", err1, err2, err3)
	}
	r1()
	r2()
	rr, ok := cl.AcquireRetry()
	if _, ok2 := cl.AcquireRetry(); !ok || ok2 {
		t.Fatal("max_retries 1 not enforced")
	}
	rr()
}

func TestOutlierMaxEjectionPercent(t *testing.T) {
	cl := testCluster(t, &config.Cluster{Name: "c", Outlier: &config.OutlierDetection{Consecutive5xx: 2, BaseEjectionTime: time.Minute,
		MaxEjectionTime: time.Hour, MaxEjectionPercent: 50, Enforcing5xx: 100}})
	cl.SetEndpoints(&config.Endpoints{Localities: []config.Locality{{Hosts: hosts("10.0.0.1:80", "10.0.0.2:80")}}})
	hs := cl.Hosts()
	for _, h := range hs {
		cl.Report(h, Result{Status: 503})
		cl.Report(h, Result{Status: 503})
	}
	now := time.Now()
	if hs[0].Healthy(now) || !hs[1].Healthy(now) {
		t.Fatalf("want only the first host ejected (max 50%%): %v %v", hs[0].Healthy(now), hs[1].Healthy(now))
	}
}
