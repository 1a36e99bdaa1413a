package proxy

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const rdsAll = `
"@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
name: rds
virtual_hosts: [{name: all, domains: ["*"], routes: [%s]}]
`

func routesYAML(routes string) string { return fmt.Sprintf(rdsAll, routes) }

// deadAddr returns a loopback address nobody listens on.
func deadAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a
}

func TestRetries(t *testing.T) {
	var fails atomic.Int64
	flaky := newBackend(t, "flaky", func(w http.ResponseWriter, r *http.Request) {
		if fails.Add(-1) >= 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	teapot := newBackend(t, "teapot", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(418) })
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Envoy-Attempt-Count") == "" {
			time.Sleep(300 * time.Millisecond)
		}
	})
	live := newBackend(t, "live", nil)
	e := start(t, res(t, httpListener("l", "")),
		res(t, staticCluster("flaky", "", flaky.addr())),
		res(t, staticCluster("teapot", "", teapot.addr())),
		res(t, staticCluster("slow", "", slow.addr())),
		res(t, staticCluster("mixed", "", deadAddr(t), live.addr())))
	u := e.routes("l", routesYAML(`
{match: {prefix: /5xx}, route: {cluster: flaky, retry_policy: {retry_on: 5xx, num_retries: 3, retry_back_off: {base_interval: 0.001s}}}},
{match: {prefix: /gw}, route: {cluster: flaky, retry_policy: {retry_on: gateway-error, num_retries: 1, retry_back_off: {base_interval: 0.001s}}}},
{match: {prefix: /codes}, route: {cluster: teapot, retry_policy: {retry_on: retriable-status-codes, retriable_status_codes: [418], num_retries: 2, retry_back_off: {base_interval: 0.001s}}}},
{match: {prefix: /pertry}, route: {cluster: slow, retry_policy: {retry_on: 5xx, num_retries: 1, per_try_timeout: 0.1s}}},
{match: {prefix: /timeout}, route: {cluster: slow, timeout: 0.1s}},
{match: {prefix: /connect}, route: {cluster: mixed, retry_policy: {retry_on: connect-failure, num_retries: 2, retry_back_off: {base_interval: 0.001s}}}}`))

	fails.Store(2)
	before := flaky.hits.Load()
	if resp, _ := get(t, u+"/5xx"); resp.StatusCode != 200 || flaky.hits.Load()-before != 3 {
		t.Errorf("5xx: status %d after %d attempts, want 200 after 3", resp.StatusCode, flaky.hits.Load()-before)
	}
	fails.Store(5)
	before = flaky.hits.Load()
	if resp, _ := get(t, u+"/gw"); resp.StatusCode != 503 || flaky.hits.Load()-before != 2 {
		t.Errorf("gateway-error: status %d after %d attempts, want 503 after 2", resp.StatusCode, flaky.hits.Load()-before)
	}
	fails.Store(0)
	before = teapot.hits.Load()
	if resp, _ := get(t, u+"/codes"); resp.StatusCode != 418 || teapot.hits.Load()-before != 3 {
		t.Errorf("retriable codes: %d after %d attempts, want 418 after 3", resp.StatusCode, teapot.hits.Load()-before)
	}
	start := time.Now()
	if resp, _ := get(t, u+"/pertry"); resp.StatusCode != 200 || time.Since(start) > 280*time.Millisecond {
		t.Errorf("per-try timeout: %d in %v", resp.StatusCode, time.Since(start))
	}
	if resp, _ := get(t, u+"/timeout"); resp.StatusCode != 504 {
		t.Errorf("route timeout: %d, want 504", resp.StatusCode)
	}
	for i := 0; i < 10; i++ {
		if resp, _ := get(t, u+"/connect"); resp.StatusCode != 200 {
			t.Fatalf("connect-failure retry: %d", resp.StatusCode)
		}
	}
	if e.p.Stats().Value("cluster.flaky.upstream_rq_retry") < 3 {
		t.Errorf("retry stat %d", e.p.Stats().Value("cluster.flaky.upstream_rq_retry"))
	}
}

func TestCircuitBreakerOverflow(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) { <-release })
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("slow",
		`circuit_breakers: {thresholds: [{max_connections: 1, max_pending_requests: 1, max_requests: 100}]}`, slow.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: slow}}`))
	var wg sync.WaitGroup
	codes := make(chan int, 10)
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := get(t, u+"/")
			codes <- resp.StatusCode
			if resp.StatusCode == 503 && resp.Header.Get("X-Envoy-Overloaded") != "true" {
				t.Error("overflow without x-envoy-overloaded")
			}
		}()
	}
	deadline := time.Now().Add(3 * time.Second)
	for e.p.Stats().Value("cluster.slow.upstream_rq_pending_overflow") < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	once.Do(func() { close(release) })
	wg.Wait()
	close(codes)
	n := map[int]int{}
	for c := range codes {
		n[c]++
	}
	if n[503] != 3 || n[200] != 2 {
		t.Fatalf("codes %v, want 2×200 and 3×503", n)
	}
	select {
	case <-e.log.ch:
	default:
	}
	found := false
	for len(e.log.ch) > 0 {
		if strings.Contains(<-e.log.ch, " 503 UO ") {
			found = true
		}
	}
	if !found {
		t.Error("no access log line with flag UO")
	}
}

func TestOutlierEjection(t *testing.T) {
	bad := newBackend(t, "bad", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	good := newBackend(t, "good", nil)
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("c",
		`outlier_detection: {consecutive_5xx: 3, base_ejection_time: 30s, max_ejection_percent: 50}`, bad.addr(), good.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: c}}`))
	for i := 0; i < 20; i++ {
		get(t, u+"/")
	}
	if bad.hits.Load() != 3 {
		t.Errorf("bad host got %d requests, want exactly 3 before ejection", bad.hits.Load())
	}
	if e.p.Stats().Value("cluster.c.outlier_detection.ejections_enforced_total") != 1 {
		t.Error("ejection not counted")
	}
	_, body := get(t, "http://"+e.p.AdminAddr().String()+"/clusters")
	if !strings.Contains(body, bad.addr()+"::health_flags::/failed_outlier_check") {
		t.Errorf("/clusters does not show the ejection:\n%s", body)
	}
}

func TestLoadBalancers(t *testing.T) {
	var bs []*backend
	var addrs []string
	for i := 0; i < 3; i++ {
		b := newBackend(t, fmt.Sprint("h", i), nil)
		bs = append(bs, b)
		addrs = append(addrs, b.addr())
	}
	e := start(t, res(t, httpListener("l", "")),
		res(t, staticCluster("rr", "lb_policy: ROUND_ROBIN", addrs...)),
		res(t, staticCluster("random", "lb_policy: RANDOM", addrs...)),
		res(t, staticCluster("lr", "lb_policy: LEAST_REQUEST", addrs...)),
		res(t, staticCluster("ring", "lb_policy: RING_HASH", addrs...)))
	u := e.routes("l", routesYAML(`
{match: {prefix: /rr}, route: {cluster: rr}},
{match: {prefix: /random}, route: {cluster: random}},
{match: {prefix: /lr}, route: {cluster: lr}},
{match: {prefix: /ring-header}, route: {cluster: ring, hash_policy: [{header: {header_name: x-user}}]}},
{match: {prefix: /ring-cookie}, route: {cluster: ring, hash_policy: [{cookie: {name: sticky, ttl: 60s}}]}},
{match: {prefix: /ring-ip}, route: {cluster: ring, hash_policy: [{connection_properties: {source_ip: true}}]}}`))
	spread := func(path string, n int, hdr ...string) map[string]int {
		m := map[string]int{}
		for i := 0; i < n; i++ {
			resp, _ := get(t, u+path, hdr...)
			m[resp.Header.Get("X-Backend")]++
		}
		return m
	}
	if m := spread("/rr", 30); m["h0"] != 10 || m["h1"] != 10 || m["h2"] != 10 {
		t.Errorf("round robin %v", m)
	}
	if m := spread("/random", 60); len(m) != 3 {
		t.Errorf("random reached %v", m)
	}
	if m := spread("/lr", 60); len(m) != 3 {
		t.Errorf("least request reached %v", m)
	}
	for _, user := range []string{"alice", "bob", "carol", "dave"} {
		if m := spread("/ring-header", 10, "x-user", user); len(m) != 1 {
			t.Errorf("ring hash on header for %s spread over %v", user, m)
		}
	}
	users := map[string]bool{}
	for i := 0; i < 20; i++ {
		m := spread("/ring-header", 1, "x-user", fmt.Sprint("u", i))
		for k := range m {
			users[k] = true
		}
	}
	if len(users) < 2 {
		t.Errorf("ring hash sent 20 users to %v", users)
	}
	if m := spread("/ring-ip", 10); len(m) != 1 {
		t.Errorf("ring hash on source ip spread over %v", m)
	}
	resp, _ := get(t, u+"/ring-cookie")
	ck := resp.Header.Get("Set-Cookie")
	if !strings.HasPrefix(ck, "sticky=") {
		t.Fatalf("no sticky cookie minted: %v", resp.Header)
	}
	if m := spread("/ring-cookie", 10, "cookie", strings.Split(ck, ";")[0]); len(m) != 1 {
		t.Errorf("ring hash on cookie spread over %v", m)
	}
}

func TestActiveHealthCheck(t *testing.T) {
	var sick atomic.Bool
	sick.Store(true)
	mk := func(name string, flag *atomic.Bool) *backend {
		return newBackend(t, name, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/healthz" && flag != nil && flag.Load() {
				w.WriteHeader(503)
			}
		})
	}
	a, b := mk("a", &sick), mk("b", nil)
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("c",
		`health_checks: [{timeout: 1s, interval: 0.05s, unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: {path: /healthz}}]`, a.addr(), b.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: c}}`))
	time.Sleep(200 * time.Millisecond)
	for i := 0; i < 10; i++ {
		if resp, _ := get(t, u+"/"); resp.Header.Get("X-Backend") != "b" {
			t.Fatalf("request reached unhealthy host %s", resp.Header.Get("X-Backend"))
		}
	}
	sick.Store(false)
	deadline := time.Now().Add(3 * time.Second)
	seen := map[string]bool{}
	for len(seen) < 2 && time.Now().Before(deadline) {
		resp, _ := get(t, u+"/")
		seen[resp.Header.Get("X-Backend")] = true
	}
	if !seen["a"] {
		t.Error("recovered host never received traffic")
	}
}

func TestFaultInjection(t *testing.T) {
	be := newBackend(t, "be", nil)
	e := start(t, res(t, httpListener("l", `
      - name: envoy.filters.http.fault
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
          abort: {http_status: 418, percentage: {numerator: 30, denominator: HUNDRED}}`)),
		res(t, staticCluster("be", "", be.addr())))
	u := e.routes("l", routesYAML(`
{match: {prefix: /delay}, route: {cluster: be}, typed_per_filter_config: {envoy.filters.http.fault: {"@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault, delay: {fixed_delay: 0.2s, percentage: {numerator: 100}}}}},
{match: {prefix: /}, route: {cluster: be}}`))
	aborted := 0
	const n = 600
	for i := 0; i < n; i++ {
		if resp, _ := get(t, u+"/"); resp.StatusCode == 418 {
			aborted++
		}
	}
	// 30% of 600 = 180; a binomial sd is ~11, so ±50 is a >4 sigma tolerance.
	if aborted < 130 || aborted > 230 {
		t.Errorf("aborted %d of %d, want about 180", aborted, n)
	}
	start := time.Now()
	if resp, _ := get(t, u+"/delay"); resp.StatusCode != 200 || time.Since(start) < 200*time.Millisecond {
		t.Errorf("delay: %d after %v", resp.StatusCode, time.Since(start))
	}
}

func TestMirror(t *testing.T) {
	main := newBackend(t, "main", nil)
	shadowHost := make(chan string, 10)
	shadow := newBackend(t, "shadow", func(w http.ResponseWriter, r *http.Request) { shadowHost <- r.Host })
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("main", "", main.addr())), res(t, staticCluster("shadow", "", shadow.addr())))
	u := e.routes("l", routesYAML(`
{match: {prefix: /all}, route: {cluster: main, request_mirror_policies: [{cluster: shadow}]}},
{match: {prefix: /none}, route: {cluster: main, request_mirror_policies: [{cluster: shadow, runtime_fraction: {default_value: {numerator: 0}}}]}}`))
	if resp, body := get(t, u+"/all", "host", "svc.test"); resp.StatusCode != 200 || !strings.HasPrefix(body, "main") {
		t.Fatalf("main: %d %s", resp.StatusCode, body)
	}
	select {
	case h := <-shadowHost:
		if h != "svc.test-shadow" {
			t.Errorf("shadow host %q", h)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("mirror never arrived")
	}
	for i := 0; i < 20; i++ {
		get(t, u+"/none")
	}
	time.Sleep(50 * time.Millisecond)
	if shadow.hits.Load() != 1 {
		t.Errorf("0%% mirror sent %d", shadow.hits.Load()-1)
	}
}
