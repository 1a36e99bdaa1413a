package e2e

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/fixture"
)

// The sidecar mesh: meshd with its CA; the frontend and another client
// (different service accounts) calling web through their sidecars; STRICT
// mTLS with certificates the sidecars' agents get from meshd's CA; a Rego
// Policy on web's sidecar; Istio's telemetry filter on every sidecar.

var sidecarMeshConfig = fixture.Docs(fixture.PeerAuthentication("wasmesh-system", "STRICT"), fixture.ServiceEntry("default", "web", "web.mesh", "80", "web"),
	fixture.ClientSidecar("default", "frontend", "frontend", "FRONT_OUT"), fixture.ClientSidecar("default", "other", "other", "OTHER_OUT"),
	fixture.ServerSidecar("default", "web", "web", "WEB_IN", "127.0.0.1:WEB_APP"))

// telemetryPlugins run Istio's request metrics on both sides. The reporter
// is chosen by workload selector, not by match mode: meshd would then push
// ECDS resources a proxy's listeners do not reference, and go-control-plane's
// ADS snapshot cache never answers a subscription that is not a superset of
// the snapshot's resources of that type (see the report to the lead).
var telemetryPlugins = fixture.TelemetryPlugins("file://TELEMETRY")

type sidecarMesh struct {
	t        *testing.T
	cfgDir   string
	monitor  string
	out      map[string]string // client sidecars' outbound base URLs
	sidecars map[string]caSidecar
	webIn    string
	client   *http.Client
}

func (m *sidecarMesh) write(name, content string) {
	m.t.Helper()
	fixture.WriteConfig(m.t, m.cfgDir, name, content)
}

// call sends one request for web.mesh through a client sidecar.
func (m *sidecarMesh) call(from, method, path string) (status int, body, reason string, err error) {
	req, err := http.NewRequest(method, m.out[from]+path, nil)
	if err != nil {
		return 0, "", "", err
	}
	req.Host = "web.mesh"
	resp, err := m.client.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b), resp.Header.Get("x-wasmesh-authz-reason"), err
}

func startSidecarMesh(t *testing.T) *sidecarMesh {
	t.Helper()
	dir := t.TempDir()
	authz, telemetry := fixture.BuildWasm(t, dir, "filters/authz"), fixture.BuildWasm(t, dir, "filters/telemetry")
	m := &sidecarMesh{t: t, out: map[string]string{}, sidecars: map[string]caSidecar{},
		client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	t.Cleanup(m.client.CloseIdleConnections)
	ports := map[string]int{"FRONT_OUT": fixture.FreePort(t), "OTHER_OUT": fixture.FreePort(t), "WEB_IN": fixture.FreePort(t), "WEB_APP": fixture.Backend(t, "web")}
	m.cfgDir = configDir(t, dir, sidecarMeshConfig, ports)

	xds, secure, mon := fixture.FreeAddr(t), fixture.FreeAddr(t), fixture.FreePort(t)
	start(t, "meshd", "--config-dir", m.cfgDir, "--data-dir", filepath.Join(dir, "data"), "--xds-address", xds,
		"--monitor-address", "127.0.0.1:"+itoa(mon), "--secure-xds-address", secure, "--authz-filter", authz,
		"--local-modules", "--auto-mtls", "--outbound-traffic-policy", "REGISTRY_ONLY", "--debounce", "20ms", "--max-debounce", "200ms")
	m.monitor = "http://127.0.0.1:" + itoa(mon)
	fixture.WaitHTTP(t, nil, m.monitor+"/ready", 10*time.Second)

	for _, p := range []struct{ name, labels, ports string }{
		{"frontend", "app=frontend,role=client", ""},
		{"other", "app=other,role=client", ""},
		{"web", "app=web,version=v1,role=server", itoa(ports["WEB_IN"])},
	} {
		m.sidecars[p.name] = startCASidecar(t, xds, secure, m.monitor, p.name, p.labels, p.ports,
			"--wasm-cache-dir", filepath.Join(dir, "wasm-"+p.name))
	}
	m.out["frontend"] = "http://127.0.0.1:" + itoa(ports["FRONT_OUT"])
	m.out["other"] = "http://127.0.0.1:" + itoa(ports["OTHER_OUT"])
	m.webIn = "http://127.0.0.1:" + itoa(ports["WEB_IN"])

	// mTLS traffic first, then the filters: the policy (other is denied)
	// and the telemetry modules compile in each proxy.
	m.waitFor("other", 200, 20*time.Second)
	m.write("telemetry.yaml", strings.ReplaceAll(telemetryPlugins, "TELEMETRY", telemetry))
	m.write("policy.yaml", fixture.APIPolicy("frontend"))
	m.waitFor("other", 403, 60*time.Second)
	m.waitFor("frontend", 200, 10*time.Second)
	return m
}

// waitFor waits until GET /api/ready from a client sidecar answers code.
func (m *sidecarMesh) waitFor(from string, want int, within time.Duration) {
	m.t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, body, _, err := m.call(from, http.MethodGet, "/api/ready")
		if err == nil && code == want && (want != 200 || body == "web") {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("%s → web: %d %q %v after %v, want %d\n%s", from, code, body, err, within, want,
				m.adminGet(from, "/stats")+m.adminGet("web", "/stats")+m.dump(from)+m.dump("web")+m.syncz())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSidecarPolicyMTLSTelemetry: identity from meshd's CA, STRICT mTLS, the
// Rego policy enforced in web's sidecar, replaced under load without a
// failed request, and Istio's request metrics with exact counts.
func TestSidecarPolicyMTLSTelemetry(t *testing.T) {
	m := startSidecarMesh(t)

	t.Run("strict mtls refuses plaintext", func(t *testing.T) {
		resp, err := m.client.Get(m.webIn + "/api/x")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("plaintext request to web's inbound answered %d", resp.StatusCode)
		}
	})

	t.Run("policy decides by SPIFFE identity", func(t *testing.T) {
		for _, c := range []struct {
			from, method, path string
			code               int
		}{
			{"frontend", http.MethodGet, "/api/items", 200},
			{"other", http.MethodGet, "/api/items", 403},
			{"frontend", http.MethodPost, "/api/items", 403},
			{"frontend", http.MethodGet, "/admin", 403},
		} {
			code, body, reason, err := m.call(c.from, c.method, c.path)
			if err != nil || code != c.code {
				t.Errorf("%s %s %s: %d %q %v, want %d", c.from, c.method, c.path, code, body, err, c.code)
				continue
			}
			if code == 403 && (reason != "only frontend may GET /api/*" || !strings.Contains(body, reason)) {
				t.Errorf("%s %s %s: denied with reason %q, body %q", c.from, c.method, c.path, reason, body)
			}
		}
	})

	t.Run("istio_requests_total exact counts", func(t *testing.T) {
		src := map[string]string{"reporter": "source", "response_code": "200", "destination_service": "web.mesh",
			"source_workload": "frontend", "source_principal": "spiffe://cluster.local/ns/default/sa/frontend",
			"source_app": "frontend", "destination_workload": "web", "destination_version": "v1"}
		dst := map[string]string{"reporter": "destination", "response_code": "200",
			"source_principal":      "spiffe://cluster.local/ns/default/sa/frontend",
			"destination_principal": "spiffe://cluster.local/ns/default/sa/web", "destination_workload": "web",
			"destination_app": "web", "destination_version": "v1", "connection_security_policy": "mutual_tls"}
		src0, dst0 := m.counter(t, "frontend", src), m.counter(t, "web", dst)
		const n = 25
		for i := range n {
			if code, body, _, err := m.call("frontend", http.MethodGet, "/api/n"+itoa(i)); err != nil || code != 200 {
				t.Fatalf("request %d: %d %q %v", i, code, body, err)
			}
		}
		// the counters are incremented when the stream is done, just after the response
		deadline := time.Now().Add(2 * time.Second)
		for {
			ds, dd := m.counter(t, "frontend", src)-src0, m.counter(t, "web", dst)-dst0
			if ds == n && dd == n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after %d requests: source reporter counted %d, destination %d\n%s", n, ds, dd, fixture.Lines(m.scrape(t, "frontend"), "istio_requests_total"))
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !strings.Contains(m.scrape(t, "web"), "wasmesh_policy_cache_hits_total ") {
			t.Error("web's merged metrics lack the policy cache counters")
		}
		// 15090 is the proxy's own stats only
		resp, err := m.client.Get(m.sidecars["web"].stats + "/stats/prometheus")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "envoy_cluster_") || strings.Contains(string(b), "istio_requests_total") {
			t.Errorf("15090 output:\n%s", b)
		}
	})

	t.Run("policy replaced under load", func(t *testing.T) {
		var failed atomic.Int64
		var mu sync.Mutex
		// decisions per client goroutine: each sends one request at a time,
		// so its sequence of decisions must change exactly once
		froms := []string{"frontend", "frontend", "other", "other"}
		codes := make([][]int, len(froms))
		var firstErr atomic.Value
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w, from := range froms {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					code, body, _, err := m.call(from, http.MethodGet, "/api/load")
					if err != nil || (code != 200 && code != 403) {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, fmt.Sprintf("%s: %d %q %v", from, code, body, err))
						continue
					}
					mu.Lock()
					codes[w] = append(codes[w], code)
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Second)
		m.write("policy.yaml", fixture.APIPolicy("other"))
		flipped := func() bool {
			mu.Lock()
			defer mu.Unlock()
			for w, from := range froms {
				cs, want := codes[w], 200
				if from == "frontend" {
					want = 403
				}
				if len(cs) == 0 || cs[len(cs)-1] != want {
					return false
				}
			}
			return true
		}
		deadline := time.Now().Add(20 * time.Second)
		for !flipped() && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(time.Second) // some load after the flip too
		close(stop)
		wg.Wait()
		if n := failed.Load(); n > 0 {
			t.Errorf("%d requests failed or dropped during the policy swap; first: %v", n, firstErr.Load())
		}
		if !flipped() {
			t.Fatalf("decisions did not flip within 20s")
		}
		// before the swap frontend was allowed and other denied; no
		// decision went back after the flip
		for w, from := range froms {
			cs, allowedFirst := codes[w], from == "frontend"
			if (cs[0] == 200) != allowedFirst {
				t.Errorf("%s: first decision %d", from, cs[0])
			}
			changes := 0
			for i := 1; i < len(cs); i++ {
				if cs[i] != cs[i-1] {
					changes++
				}
			}
			if changes != 1 {
				t.Errorf("%s: decision changed %d times over %d requests, want once", from, changes, len(cs))
			}
			t.Logf("%s: %d requests under load", from, len(cs))
		}
		if code, _, reason, err := m.call("frontend", http.MethodGet, "/api/items"); err != nil || code != 403 || reason != "only other may GET /api/*" {
			t.Errorf("frontend after the swap: %d %q %v", code, reason, err)
		}
	})
}

// scrape is a sidecar's merged metrics (15020).
func (m *sidecarMesh) scrape(t *testing.T, proxy string) string {
	t.Helper()
	return string(fixture.Get(t, m.client, m.sidecars[proxy].status+"/stats/prometheus"))
}

// counter sums istio_requests_total over the series carrying every label in want.
func (m *sidecarMesh) counter(t *testing.T, proxy string, want map[string]string) int64 {
	t.Helper()
	n, err := fixture.Sum(m.scrape(t, proxy), "istio_requests_total", want)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// dump is a sidecar's applied configuration, for failure reports.
func (m *sidecarMesh) dump(proxy string) string { return m.adminGet(proxy, "/config_dump") }

func (m *sidecarMesh) adminGet(proxy, path string) string {
	resp, err := m.client.Get(m.sidecars[proxy].admin + path)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return "---- " + proxy + " " + path + " ----\n" + string(b)
}

func (m *sidecarMesh) syncz() string {
	resp, err := m.client.Get(m.monitor + "/debug/syncz")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return "---- meshd syncz ----\n" + string(b)
}
