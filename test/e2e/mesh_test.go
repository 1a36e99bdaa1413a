package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/fixture"
)

// mesh is meshd, three sidecars (client, web-v1, web-v2) and three
// services on loopback.
type mesh struct {
	t          *testing.T
	dir        string
	cfgDir     string
	monitor    string // meshd monitoring base URL
	egress     string // the client sidecar's outbound listener base URL
	webInbound map[string]string
	xds        string // meshd's plaintext xDS address
	admin      map[string]string
	proxies    map[string]*fixture.Process
	client     *http.Client
}

var meshConfig = fixture.Docs(fixture.PeerAuthentication("wasmesh-system", "DISABLE"), fixture.ServiceEntry("default", "web", "web.mesh", "80", "web")) + "---\n" + `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: default}
spec:
  host: web.mesh
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: client, namespace: default}
spec:
  workloadSelector:
    labels: {app: client}
  egress:
  - port: {number: EGRESS, protocol: HTTP, name: http}
    captureMode: NONE
    hosts: ["./*"]
  ingress:
  - port: {number: CLIENT_IN, protocol: HTTP, name: http}
    defaultEndpoint: 127.0.0.1:CLIENT_APP
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: web-v1, namespace: default}
spec:
  workloadSelector:
    labels: {app: web, version: v1}
  egress:
  - hosts: ["./*"]
  ingress:
  - port: {number: V1_IN, protocol: HTTP, name: http}
    defaultEndpoint: 127.0.0.1:V1_APP
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: web-v2, namespace: default}
spec:
  workloadSelector:
    labels: {app: web, version: v2}
  egress:
  - hosts: ["./*"]
  ingress:
  - port: {number: V2_IN, protocol: HTTP, name: http}
    defaultEndpoint: 127.0.0.1:V2_APP
`

func routeYAML(v1, v2 int) string {
	return fmt.Sprintf(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: [web.mesh]
  http:
  - route:
    - destination: {host: web.mesh, subset: v1}
      weight: %d
    - destination: {host: web.mesh, subset: v2}
      weight: %d
`, v1, v2)
}

func startMesh(t *testing.T, meshdArgs ...string) *mesh {
	t.Helper()
	m := &mesh{t: t, dir: t.TempDir(), webInbound: map[string]string{}, admin: map[string]string{}, proxies: map[string]*fixture.Process{},
		client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	t.Cleanup(m.client.CloseIdleConnections)
	ports := map[string]int{"EGRESS": fixture.FreePort(t), "CLIENT_IN": fixture.FreePort(t), "V1_IN": fixture.FreePort(t), "V2_IN": fixture.FreePort(t),
		"CLIENT_APP": fixture.Backend(t, "client"), "V1_APP": fixture.Backend(t, "v1"), "V2_APP": fixture.Backend(t, "v2")}
	m.cfgDir = configDir(t, m.dir, meshConfig, ports)
	m.write("web-route.yaml", routeYAML(90, 10))

	xdsPort, monPort := fixture.FreePort(t), fixture.FreePort(t)
	args := append([]string{"--config-dir", m.cfgDir, "--data-dir", filepath.Join(m.dir, "data"),
		"--xds-address", "127.0.0.1:" + itoa(xdsPort), "--monitor-address", "127.0.0.1:" + itoa(monPort),
		"--secure-xds-address", fixture.FreeAddr(t),
		"--debounce", "20ms", "--max-debounce", "200ms", "--outbound-traffic-policy", "REGISTRY_ONLY"}, meshdArgs...)
	start(t, "meshd", args...)
	m.monitor = "http://127.0.0.1:" + itoa(monPort)
	m.xds = "127.0.0.1:" + itoa(xdsPort)
	fixture.WaitHTTP(t, nil, m.monitor+"/ready", 10*time.Second)

	for _, p := range []struct {
		name   string
		labels map[string]string
		port   int
	}{
		{"client", map[string]string{"app": "client"}, ports["CLIENT_IN"]},
		{"web-v1", map[string]string{"app": "web", "version": "v1"}, ports["V1_IN"]},
		{"web-v2", map[string]string{"app": "web", "version": "v2"}, ports["V2_IN"]},
	} {
		admin := fixture.FreePort(t)
		// access logs are on only where a Telemetry resource asks for them
		m.proxies[p.name] = start(t, "meshproxy "+p.name, "--bootstrap", bootstrap(t, m.dir, p.name, p.labels, p.port),
			"--xds-address", "127.0.0.1:"+itoa(xdsPort), "--admin-port", itoa(admin),
			"--drain-time", "1s", "--wasm-cache-dir", filepath.Join(m.dir, "wasm-"+p.name))
		m.admin[p.name] = "http://127.0.0.1:" + itoa(admin)
	}
	m.egress = "http://127.0.0.1:" + itoa(ports["EGRESS"])
	m.webInbound["web-v1"] = "http://127.0.0.1:" + itoa(ports["V1_IN"])
	m.webInbound["web-v2"] = "http://127.0.0.1:" + itoa(ports["V2_IN"])
	for _, a := range m.admin {
		fixture.WaitHTTP(t, nil, a+"/ready", 10*time.Second)
	}
	fixture.Retry(t, "traffic through the mesh", 10*time.Second, func() error {
		_, err := m.get(m.egress + "/")
		return err
	})
	return m
}

func (m *mesh) write(name, content string) {
	m.t.Helper()
	fixture.WriteConfig(m.t, m.cfgDir, name, content)
}

// remove deletes a config file.
func (m *mesh) remove(name string) {
	m.t.Helper()
	if err := os.Remove(filepath.Join(m.cfgDir, name)); err != nil {
		m.t.Fatal(err)
	}
}

// get sends one request to web.mesh through url; a 200's body is in the
// x-test-body header of the response it returns.
func (m *mesh) get(url string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Host = "web.mesh"
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return resp, fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	resp.Header.Set("x-test-body", string(body))
	return resp, nil
}

// split sends n requests through the client sidecar and counts v2 answers;
// every request must succeed.
func (m *mesh) split(n int) (v2 int) {
	m.t.Helper()
	for range n {
		resp, err := m.get(m.egress + "/")
		if err != nil {
			m.t.Fatalf("request failed: %v", err)
		}
		if resp.Header.Get("x-test-body") == "v2" {
			v2++
		}
	}
	return v2
}

func TestWeightShiftWithinOneSecond(t *testing.T) {
	m := startMesh(t)
	if v2 := m.split(200); v2 < 5 || v2 > 40 {
		t.Fatalf("90/10: %d of 200 went to v2", v2)
	}
	m.write("web-route.yaml", routeYAML(10, 90))
	changed := time.Now()
	var took time.Duration
	for {
		if v2 := m.split(20); v2 >= 15 {
			took = time.Since(changed)
			break
		}
		if time.Since(changed) > 5*time.Second {
			t.Fatal("10/90 not in effect after 5s")
		}
	}
	t.Logf("weight change visible in traffic after %v", took)
	if took > time.Second {
		t.Errorf("weight change took %v to show in traffic, want ≤ 1s", took)
	}
	if v2 := m.split(200); v2 < 160 || v2 > 195 {
		t.Errorf("10/90: %d of 200 went to v2", v2)
	}
}

func TestBadConfigRejectedTrafficFlows(t *testing.T) {
	m := startMesh(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	failures := make(chan error, 1)
	done := make(chan int)
	go func() {
		n := 0
		for ctx.Err() == nil {
			if _, err := m.get(m.egress + "/"); err != nil {
				select {
				case failures <- err:
				default:
				}
			}
			n++
			if n >= 400 {
				break
			}
		}
		done <- n
	}()
	// through the API: rejected with the field and line
	resp, err := http.Post(m.monitor+"/v1/configs?file=bad.yaml", "application/yaml",
		strings.NewReader(strings.Replace(routeYAML(10, 90), "weight: 10\n", "weight: 1000\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "weight") {
		t.Errorf("bad apply answered %d %s, want 422 naming the weight", resp.StatusCode, body)
	}
	// through the directory: the file is invalid, the old config stays
	m.write("web-route.yaml", strings.Replace(routeYAML(10, 90), "weight: 90\n", "weight: -5\n", 1))
	time.Sleep(500 * time.Millisecond)
	n := <-done
	select {
	case err := <-failures:
		t.Fatalf("a request failed while bad config was applied: %v", err)
	default:
	}
	if v2 := m.split(200); v2 > 40 {
		t.Errorf("after rejected changes %d of 200 went to v2, want the old 90/10", v2)
	}
	t.Logf("%d requests during the bad changes, all OK", n)
}
