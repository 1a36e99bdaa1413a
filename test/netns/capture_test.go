//go:build linux

package netns

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/fixture"
)

const (
	appPort  = 8080
	proxyUID = 1337
	xdsPort  = "15010"
	caPort   = "15012"
	// modPort serves meshd's module store to the pods (see serveModules)
	modPort   = "15014"
	principal = "spiffe://cluster.local/ns/default/sa/"
)

// meshConfig: STRICT mTLS mesh-wide; the web service at a service address
// (VIP) backed by the web pod; Istio's telemetry on both sidecars; and a
// Rego policy on web's sidecar that lets only the client's identity GET
// /api/*.
var meshConfig = fixture.Docs(fixture.PeerAuthentication("wasmesh-system", "STRICT"), fixture.ServiceEntry("default", "web", "web.mesh", "APP_PORT", "web", "SERVICE_IP"),
	fixture.TelemetryPlugins("file://TELEMETRY"), fixture.APIPolicy("client"))

// mesh is the running test mesh.
type mesh struct {
	net     *network
	monitor string                      // meshd's monitoring base URL (host loopback)
	proxies map[string]*fixture.Process // by pod name
	client  *http.Client
}

// TestCaptureThroughBothSidecars: the client pod's app calls the web
// service's address with plain HTTP; iptables sends the connection to the
// client's sidecar (15001), which opens mTLS to the web pod; the web pod's
// rules send it to its sidecar (15006), which checks the policy with the
// client's SPIFFE identity and forwards to the app.
func TestCaptureThroughBothSidecars(t *testing.T) {
	requireNetns(t)
	m := startMesh(t)
	base := fmt.Sprintf("http://%s:%d", serveIP, appPort)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)

	// The first answer needs the config pushed, the SVIDs issued and the
	// filters compiled in both sidecars.
	m.waitGet(t, base+"/api/ready", http.StatusOK, 60*time.Second)

	b := m.net.pods["web"]
	src := map[string]string{"reporter": "source", "source_workload": "client", "source_principal": principal + "client",
		"destination_service": "web.mesh"}
	dst := map[string]string{"reporter": "destination", "source_workload": "client", "source_principal": principal + "client",
		"destination_workload": "web", "destination_principal": principal + "web", "connection_security_policy": "mutual_tls"}
	// what each hop counts for 3 allowed and 2 denied requests
	probes := []struct {
		what string
		p    probe
		want int64
	}{
		{"connections captured into the client's sidecar", probe{"client", statsPort, "envoy_listener_virtualOutbound_downstream_cx_total", nil}, 5},
		{"client sidecar → web: 200", probe{"client", statsPort, "envoy_cluster_outbound_8080__web_mesh_upstream_rq_200", nil}, 3},
		{"client sidecar → web: 403", probe{"client", statsPort, "envoy_cluster_outbound_8080__web_mesh_upstream_rq_403", nil}, 2},
		{"web sidecar inbound 2xx", probe{"web", statsPort, "envoy_http_inbound_0_0_0_0_8080_downstream_rq_2xx", nil}, 3},
		{"web sidecar inbound 4xx", probe{"web", statsPort, "envoy_http_inbound_0_0_0_0_8080_downstream_rq_4xx", nil}, 2},
		{"web sidecar → its app (denied requests never reach it)", probe{"web", statsPort, "envoy_cluster_inbound_8080__web_mesh_upstream_rq_total", nil}, 3},
		{"source reporter: 200 from web", probe{"client", mergedPort, "istio_requests_total",
			with(src, "response_code", "200", "destination_workload", "web")}, 3},
		{"source reporter: 403", probe{"client", mergedPort, "istio_requests_total", with(src, "response_code", "403")}, 2},
		{"destination reporter: 200 over mTLS from the client's identity", probe{"web", mergedPort, "istio_requests_total",
			with(dst, "response_code", "200")}, 3},
		// Not yet: the destination reporter counts the policy's 403s with
		// response_code="0" (proxy/wasmfilter's response.code property is
		// only set by the response-headers callback, which a locally
		// answered stream never runs).
	}
	before := make([]int64, len(probes))
	for i, pr := range probes {
		before[i] = m.value(t, pr.p)
	}

	t.Run("allowed request reaches the app through both sidecars", func(t *testing.T) {
		for i := range 3 {
			path := fmt.Sprintf("/api/items/%s-%d", run, i)
			r := m.get(t, base+path)
			if r.Status != http.StatusOK {
				t.Fatalf("GET %s: %+v", path, r)
			}
			var rep appReply
			if err := json.Unmarshal([]byte(r.Body), &rep); err != nil {
				t.Fatalf("GET %s: body %q: %v", path, r.Body, err)
			}
			host, _, _ := net.SplitHostPort(rep.Remote)
			// the web sidecar delivers from loopback; a bypass would come from the client pod's address
			if rep.Name != "web" || rep.Path != path || host != "127.0.0.1" {
				t.Errorf("GET %s: the app answered %+v, want web, %s, from 127.0.0.1 (its sidecar)", path, rep, path)
			}
		}
	})

	t.Run("policy on web's sidecar denies with 403", func(t *testing.T) {
		for _, path := range []string{"/admin/" + run, "/private/" + run} {
			r := m.get(t, base+path)
			if r.Status != http.StatusForbidden || r.Reason != "only client may GET /api/*" {
				t.Errorf("GET %s: %+v, want 403 with the policy's reason", path, r)
			}
		}
	})

	t.Run("each hop counted the requests", func(t *testing.T) {
		// counters move when a stream is done, just after its response
		deadline := time.Now().Add(3 * time.Second)
		for {
			var wrong []string
			for i, pr := range probes {
				if got := m.value(t, pr.p) - before[i]; got != pr.want {
					wrong = append(wrong, fmt.Sprintf("%s: %d, want %d", pr.what, got, pr.want))
				}
			}
			if len(wrong) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 3 allowed and 2 denied requests:\n%s\nclient:\n%s\nweb:\n%s", strings.Join(wrong, "\n"),
					fixture.Lines(m.scrape(t, "client", mergedPort), "istio_requests_total"), fixture.Lines(m.scrape(t, "web", mergedPort), "istio_requests_total"))
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("an address outside the registry is blocked (REGISTRY_ONLY)", func(t *testing.T) {
		// a server on the host the client pod could reach directly
		l, err := net.Listen("tcp", net.JoinHostPort(hostIP, strconv.Itoa(appPort)))
		if err != nil {
			t.Fatal(err)
		}
		var reached atomic.Int64
		srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			reached.Add(1)
		})}
		go func() { _ = srv.Serve(l) }()
		defer srv.Close()
		r := m.get(t, fmt.Sprintf("http://%s:%d/outside", hostIP, appPort))
		if r.Status != http.StatusBadGateway || reached.Load() != 0 {
			t.Errorf("GET to the host from the client pod: %+v, host reached %d times; want the sidecar's 502 and no request", r, reached.Load())
		}
	})

	t.Run("plaintext to the web pod is captured and refused", func(t *testing.T) {
		// from the host, not a mesh workload: STRICT mTLS on web's inbound
		inbound := probe{"web", statsPort, "envoy_listener_virtualInbound_downstream_cx_total", nil}
		n0 := m.value(t, inbound)
		resp, err := m.client.Get(fmt.Sprintf("http://%s:%d/api/items", b.ip, appPort))
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			t.Fatalf("plaintext request to the web pod answered %d %q", resp.StatusCode, body)
		}
		if n := m.value(t, inbound) - n0; n != 1 {
			t.Errorf("web's inbound capture listener accepted %d connections, want the refused one", n)
		}
	})

	t.Run("iptables --clean removes the capture", func(t *testing.T) {
		if out, err := b.exec(filepath.Join(binDir, "meshproxy"), "iptables", "--clean"); err != nil {
			t.Fatalf("meshproxy iptables --clean: %v\n%s", err, out)
		}
		if out, err := b.exec("iptables-save", "-t", "nat"); err != nil || strings.Contains(string(out), "ISTIO_") {
			t.Fatalf("after --clean: %v\n%s", err, out)
		}
		// the same plaintext request now reaches the app itself
		resp, err := m.client.Get(fmt.Sprintf("http://%s:%d/api/items", b.ip, appPort))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var rep appReply
		if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("plaintext request after --clean: %d %v", resp.StatusCode, err)
		}
		if host, _, _ := net.SplitHostPort(rep.Remote); rep.Name != "web" || host != hostIP {
			t.Errorf("after --clean the app answered %+v, want web seeing the host (%s)", rep, hostIP)
		}
	})
}

// startMesh builds the filters, the network, meshd and both pods.
func startMesh(t *testing.T) *mesh {
	t.Helper()
	dir, err := os.MkdirTemp("", "wasmesh-netns")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // the sidecars (uid 1337) read modules under it
		t.Fatal(err)
	}
	authz, telemetry := fixture.BuildWasm(t, dir, "filters/authz"), fixture.BuildWasm(t, dir, "filters/telemetry")
	n := newNetwork(t, "client", "web")
	m := &mesh{net: n, proxies: map[string]*fixture.Process{}, client: &http.Client{Timeout: 5 * time.Second}}
	t.Cleanup(m.client.CloseIdleConnections)

	cfgDir := filepath.Join(dir, "config")
	cfg := strings.NewReplacer("SERVICE_IP", serveIP, "APP_PORT", strconv.Itoa(appPort), "TELEMETRY", telemetry).Replace(meshConfig)
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	fixture.WriteConfig(t, cfgDir, "mesh.yaml", cfg)
	mon := fixture.FreePort(t)
	m.monitor = "http://127.0.0.1:" + strconv.Itoa(mon)
	start(t, proc{name: "meshd", path: filepath.Join(binDir, "meshd"), args: []string{
		"--config-dir", cfgDir, "--data-dir", filepath.Join(dir, "data"),
		"--xds-address", net.JoinHostPort(hostIP, xdsPort), "--secure-xds-address", net.JoinHostPort(hostIP, caPort),
		"--monitor-address", "127.0.0.1:" + strconv.Itoa(mon), "--module-base-url", "http://" + net.JoinHostPort(hostIP, modPort) + "/modules/",
		"--authz-filter", authz, "--auto-mtls",
		"--outbound-traffic-policy", "REGISTRY_ONLY", "--debounce", "20ms", "--max-debounce", "200ms"}})
	fixture.WaitHTTP(t, m.client, m.monitor+"/ready", 10*time.Second)
	serveModules(t, net.JoinHostPort(hostIP, modPort), m.monitor)
	root := filepath.Join(dir, "root-cert.pem")
	if err := os.WriteFile(root, fixture.Get(t, m.client, m.monitor+"/ca/bundle.pem"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, w := range []struct{ pod, labels, ports string }{
		{"client", "app=client,role=client", ""},
		{"web", "app=web,version=v1,role=server", strconv.Itoa(appPort)},
	} {
		p := n.pods[w.pod]
		if out, err := p.exec(filepath.Join(binDir, "meshproxy"), "iptables"); err != nil {
			t.Fatalf("meshproxy iptables in %s: %v\n%s", p.ns, err, out)
		}
		if w.ports != "" {
			start(t, proc{name: w.pod + " app", ns: p.ns, path: testBinary(t),
				env: []string{appRoleEnv + "=server", appNameEnv + "=" + w.pod, appListenEnv + "=:" + w.ports}})
		}
		cache := filepath.Join(dir, "wasm-"+w.pod)
		if err := os.Mkdir(cache, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(cache, proxyUID, proxyUID); err != nil {
			t.Fatal(err)
		}
		m.proxies[w.pod] = start(t, proc{name: w.pod + " sidecar", ns: p.ns, path: filepath.Join(binDir, "meshproxy"),
			cred: &syscall.Credential{Uid: proxyUID, Gid: proxyUID},
			args: []string{"--xds-address", net.JoinHostPort(hostIP, xdsPort), "--ca-address", net.JoinHostPort(hostIP, caPort),
				"--token", fixture.MintToken(t, m.client, m.monitor, "default", w.pod), "--ca-root", root,
				"--workload", w.pod, "--namespace", "default", "--service-account", w.pod, "--labels", w.labels,
				"--ports", w.ports, "--instance-ip", p.ip, "--interception-mode", "REDIRECT",
				"--drain-time", "1s", "--wasm-cache-dir", cache}})
	}
	for _, p := range n.pods {
		fixture.WaitHTTP(t, m.client, "http://"+net.JoinHostPort(p.ip, "15021")+"/healthz/ready", 20*time.Second)
	}
	return m
}

// get runs the get app in the client pod: a plain Go HTTP client, as root,
// so its connection is captured.
func (m *mesh) get(t *testing.T, url string) getResult {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", m.net.pods["client"].ns, testBinary(t))
	cmd.Env = append(os.Environ(), appRoleEnv+"=get", appURLEnv+"="+url)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var r getResult
	if err == nil {
		err = json.Unmarshal(out, &r)
	}
	if err != nil {
		t.Fatalf("get app: %v\n%s%s", err, out, stderr.String())
	}
	return r
}

// waitGet repeats a GET from the client pod until it answers want.
func (m *mesh) waitGet(t *testing.T, url string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		r := m.get(t, url)
		if r.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s from the client pod: %+v after %v, want %d\n%s", url, r, within, want, m.configz())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// configz is meshd's view of every connected proxy, for failure reports.
func (m *mesh) configz() string {
	var b strings.Builder
	for _, p := range m.net.pods {
		id := fmt.Sprintf("sidecar~%s~%s.default~default.svc.cluster.local", p.ip, p.name)
		resp, err := m.client.Get(m.monitor + "/debug/configz?proxy=" + id)
		if err != nil {
			fmt.Fprintf(&b, "configz %s: %v\n", id, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(&b, "---- configz %s ----\n%s\n", id, body)
	}
	return b.String()
}

// Ports of a sidecar's metrics on its pod address.
const (
	statsPort  = "15090" // the proxy's own stats
	mergedPort = "15020" // merged: the proxy's and the filters' (istio_*)
)

// probe names one counter: the sum of metric's series on a sidecar's
// metrics port that carry every label of labels.
type probe struct {
	pod, port, metric string
	labels            map[string]string
}

// scrape is a sidecar's metrics on port.
func (m *mesh) scrape(t *testing.T, podName, port string) string {
	t.Helper()
	return string(fixture.Get(t, m.client, "http://"+net.JoinHostPort(m.net.pods[podName].ip, port)+"/stats/prometheus"))
}

func (m *mesh) value(t *testing.T, p probe) int64 {
	t.Helper()
	n, err := fixture.Sum(m.scrape(t, p.pod, p.port), p.metric, p.labels)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// with is m plus the key-value pairs kv.
func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}
