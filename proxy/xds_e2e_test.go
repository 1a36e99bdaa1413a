package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/grpc"

	"github.com/wasmesh/wasmesh/proxy/config"
)

const nodeID = "sidecar~127.0.0.1~app.default~default.svc.cluster.local"

type controlPlane struct {
	cache cachev3.SnapshotCache
	addr  string
	gs    *grpc.Server
	nacks atomic.Int64
}

type nackCounter struct {
	serverv3.CallbackFuncs
}

func startControlPlane(t *testing.T, addr string, cache cachev3.SnapshotCache) *controlPlane {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cp := &controlPlane{cache: cache, addr: ln.Addr().String(), gs: grpc.NewServer()}
	cb := serverv3.CallbackFuncs{
		StreamRequestFunc: func(_ int64, r *discoveryv3.DiscoveryRequest) error {
			if r.GetErrorDetail() != nil {
				cp.nacks.Add(1)
			}
			return nil
		},
		StreamDeltaRequestFunc: func(_ int64, r *discoveryv3.DeltaDiscoveryRequest) error {
			if r.GetErrorDetail() != nil {
				cp.nacks.Add(1)
			}
			return nil
		},
	}
	discoveryv3.RegisterAggregatedDiscoveryServiceServer(cp.gs, serverv3.NewServer(context.Background(), cache, cb))
	go func() { _ = cp.gs.Serve(ln) }()
	t.Cleanup(cp.gs.Stop)
	return cp
}

func (cp *controlPlane) push(t *testing.T, version string, rs ...types.Resource) {
	t.Helper()
	byType := map[resource.Type][]types.Resource{}
	for _, r := range rs {
		url := "type.googleapis.com/" + string(r.ProtoReflect().Descriptor().FullName())
		byType[url] = append(byType[url], r)
	}
	snap, err := cachev3.NewSnapshot(version, byType)
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.cache.SetSnapshot(context.Background(), nodeID, snap); err != nil {
		t.Fatal(err)
	}
}

func edsCluster(name string) string {
	return fmt.Sprintf(`
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: %s
type: EDS
eds_cluster_config: {eds_config: {ads: {}}}
connect_timeout: 1s
`, name)
}

func cla(name string, addrs ...string) string {
	var eps []string
	for _, a := range addrs {
		h, p, _ := net.SplitHostPort(a)
		eps = append(eps, fmt.Sprintf("{endpoint: {address: {socket_address: {address: %s, port_value: %s}}}}", h, p))
	}
	return fmt.Sprintf(`
"@type": type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment
cluster_name: %s
endpoints: [{lb_endpoints: [%s]}]
`, name, strings.Join(eps, ", "))
}

func startXDSProxy(t *testing.T, xdsAddr string, delta bool) *Proxy {
	t.Helper()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	return runProxy(t, Config{Logger: log, Bootstrap: &config.Bootstrap{}, Node: &corev3.Node{Id: nodeID, Cluster: "app"},
		XDSAddress: xdsAddr, Delta: delta, AdminAddr: "127.0.0.1:0", Drain: 2 * time.Second})
}

// runProxy runs a proxy made of cfg until the test ends.
func runProxy(t *testing.T, cfg Config) *Proxy {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("proxy did not stop")
		}
	})
	return p
}

func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	waitForWithin(t, 10*time.Second, what, f)
}

func waitForWithin(t *testing.T, within time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// load runs GETs from n goroutines until stop is closed and counts failures.
func load(t *testing.T, url string, n int, stop <-chan struct{}) (ok, failed *atomic.Int64, wait func()) {
	ok, failed = new(atomic.Int64), new(atomic.Int64)
	var wg sync.WaitGroup
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Get(url)
				if err != nil {
					failed.Add(1)
					t.Logf("load: %v", err)
					continue
				}
				_, _ = drain(resp)
				if resp.StatusCode != 200 {
					failed.Add(1)
					t.Logf("load: status %d", resp.StatusCode)
					continue
				}
				ok.Add(1)
			}
		}()
	}
	return ok, failed, wg.Wait
}

// controlPlaneLoss is how long the load runs with the control plane dead
// (the 30 s).
const controlPlaneLoss = 30 * time.Second

func TestXDSEndToEnd(t *testing.T) {
	for _, delta := range []bool{false, true} {
		t.Run(fmt.Sprintf("delta=%v", delta), func(t *testing.T) { testXDS(t, delta) })
	}
}

func testXDS(t *testing.T, delta bool) {
	a := newBackend(t, "a", nil)
	b := newBackend(t, "b", nil)
	cache := cachev3.NewSnapshotCache(true, cachev3.IDHash{}, nil)
	cp := startControlPlane(t, "127.0.0.1:0", cache)
	lst := res(t, strings.Replace(httpListener("l", ""), "port_value: 0", "port_value: 0", 1))
	route := func(cluster string) types.Resource {
		return res(t, routesYAML(fmt.Sprintf(`{match: {prefix: /}, route: {cluster: %s}}`, cluster)))
	}
	cp.push(t, "1", lst, route("a"), res(t, edsCluster("a")), res(t, cla("a", a.addr())))
	p := startXDSProxy(t, cp.addr, delta)
	waitFor(t, "listener", func() bool { return p.ListenerAddr("l") != nil })
	u := "http://" + p.ListenerAddr("l").String() + "/"
	waitFor(t, "route to a", func() bool { r, _ := get(t, u); return r.Header.Get("X-Backend") == "a" })
	if _, body := get(t, "http://"+p.AdminAddr().String()+"/ready"); !strings.Contains(body, "LIVE") {
		t.Errorf("/ready: %q", body)
	}

	// Route and cluster change: traffic moves to b.
	cp.push(t, "2", lst, route("b"), res(t, edsCluster("a")), res(t, edsCluster("b")), res(t, cla("a", a.addr())), res(t, cla("b", b.addr())))
	waitFor(t, "route to b", func() bool { r, _ := get(t, u); return r.Header.Get("X-Backend") == "b" })
	_, dump := get(t, "http://"+p.AdminAddr().String()+"/config_dump")
	compact := strings.Join(strings.Fields(dump), "")
	if !strings.Contains(compact, `"versionInfo":"2"`) || !strings.Contains(compact, "ListenersConfigDump") {
		t.Errorf("config_dump lacks version 2:\n%.2000s", dump)
	}

	// A bad route: NACKed with a reason, old config serves.
	bad := res(t, routesYAML(`{match: {prefix: /}, route: {cluster: a, retry_policy: {retry_on: "weird"}}}`))
	cp.push(t, "3", lst, bad, res(t, edsCluster("a")), res(t, edsCluster("b")), res(t, cla("a", a.addr())), res(t, cla("b", b.addr())))
	waitFor(t, "NACK", func() bool { return cp.nacks.Load() > 0 })
	if r, _ := get(t, u); r.Header.Get("X-Backend") != "b" {
		t.Errorf("after NACK served by %q", r.Header.Get("X-Backend"))
	}

	// Changes every 100 ms under load: no failed request.
	stop := make(chan struct{})
	okN, failed, wait := load(t, u, 8, stop)
	for i := 0; i < 10; i++ {
		c := []string{"a", "b"}[i%2]
		cp.push(t, fmt.Sprint("c", i), lst, route(c), res(t, edsCluster("a")), res(t, edsCluster("b")), res(t, cla("a", a.addr())), res(t, cla("b", b.addr())))
		time.Sleep(100 * time.Millisecond)
	}
	// Control plane killed under load: the proxy keeps serving for the
	// issue's 30 s with the last accepted config.
	cp.gs.Stop()
	loss := controlPlaneLoss
	if delta {
		loss = 2 * time.Second // the same path; once at full length is enough
	}
	time.Sleep(loss)
	close(stop)
	wait()
	if failed.Load() != 0 || okN.Load() < 100 {
		t.Fatalf("under churn and control plane loss: %d ok, %d failed", okN.Load(), failed.Load())
	}
	t.Logf("%d requests, 0 failed", okN.Load())

	// The control plane comes back on the same address; the proxy resyncs.
	cp2 := startControlPlane(t, cp.addr, cachev3.NewSnapshotCache(true, cachev3.IDHash{}, nil))
	cp2.push(t, "9", lst, route("a"), res(t, edsCluster("a")), res(t, cla("a", a.addr())))
	// The client's reconnect backoff grows to 30 s (Envoy's) while the
	// control plane is away, so the resync may take that long.
	waitForWithin(t, 45*time.Second, "resync to a", func() bool { r, _ := get(t, u); return r.Header.Get("X-Backend") == "a" })
}
