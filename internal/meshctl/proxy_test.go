package meshctl

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const sidecarCfg = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: web, namespace: default}
spec:
  hosts: [web.mesh]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: 9}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: [web.mesh]
  http:
  - route:
    - destination: {host: web.mesh}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: client, namespace: default}
spec:
  workloadSelector:
    labels: {app: client}
  egress:
  - port: {number: EGRESS, protocol: HTTP, name: http}
    bind: 127.0.0.1
    captureMode: NONE
    hosts: ["./*"]
`

// TestProxyStatusAndConfig runs meshd and a real meshproxy and reads
// both through meshctl.
func TestProxyStatusAndConfig(t *testing.T) {
	meshd, xds := startMeshd(t)
	egress := fmt.Sprint(freePort(t))
	if _, errs, code := run(t, strings.ReplaceAll(sidecarCfg, "EGRESS", egress), "--meshd", meshd, "apply", "-f", "-"); code != 0 {
		t.Fatalf("apply: %s", errs)
	}
	admin := startProxy(t, "client", xds)

	var out string
	deadline := time.Now().Add(10 * time.Second)
	for {
		var code int
		out, _, code = run(t, "", "--meshd", meshd, "proxy-status")
		if code == 0 && strings.Count(out, "SYNCED") >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("proxy-status never synced:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(out, "client.default") || !strings.Contains(out, "CDS") {
		t.Errorf("proxy-status:\n%s", out)
	}
	if out, _, code := run(t, "", "--meshd", meshd, "proxy-status", "-o", "json"); code != 0 || !strings.Contains(out, `"synced": true`) {
		t.Errorf("proxy-status json: %d\n%s", code, out)
	}

	for _, c := range []struct{ view, want string }{
		{"clusters", "web.mesh"},
		{"listeners", "127.0.0.1:" + egress},
		{"routes", "web.mesh"},
		{"endpoints", "127.0.0.1:9"},
	} {
		out, errs, code := run(t, "", "proxy-config", c.view, "client", "--admin", admin)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("proxy-config %s: code %d, want %q:\n%s%s", c.view, code, c.want, out, errs)
		}
	}
	// a module that is no proxy-wasm filter: the proxy NACKs the plugin and
	// proxy-status says so, with the proxy's reason, and exits 1
	mod := filepath.Join(t.TempDir(), "empty.wasm")
	os.WriteFile(mod, []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}, 0o644)
	pushed, errs, code := run(t, "", "--meshd", meshd, "filter", "push", mod, "--app", "client")
	if code != 0 {
		t.Fatalf("push: %s", errs)
	}
	if _, errs, code := run(t, pushed[strings.Index(pushed, "apiVersion"):], "--meshd", meshd, "apply", "-f", "-"); code != 0 {
		t.Fatalf("apply plugin: %s", errs)
	}
	deadline = time.Now().Add(15 * time.Second)
	for {
		var code int
		out, errs, code = run(t, "", "--meshd", meshd, "proxy-status")
		if code == exitFailure && strings.Contains(out, "NACKED") && strings.Contains(out, "NACK sidecar~127.0.0.1~client.default~default.svc.cluster.local ECDS: ") && strings.Contains(out, "unsupported proxy-wasm ABI version") && strings.Contains(errs, "NACKs") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no NACK after 15s: %d\n%s%s", code, out, errs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("proxy-status with a NACK:\n%s", out)

	if _, errs, code := run(t, "", "proxy-config", "clusters", "nobody"); code != exitUsage || !strings.Contains(errs, "--admin") {
		t.Errorf("no admin: %d %s", code, errs)
	}
	if _, errs, code := run(t, "", "proxy-config", "bogus", "client", "--admin", admin); code != exitUsage || !strings.Contains(errs, "listeners, routes") {
		t.Errorf("bad view: %d %s", code, errs)
	}
}

// TestProxyConfigSecret reads a certificate as the proxy's config_dump
// carries it.
func TestProxyConfigSecret(t *testing.T) {
	chain := testCert(t, "spiffe://cluster.local/ns/default/sa/reviews")
	dump := `{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.SecretsConfigDump","dynamicActiveSecrets":[{"name":"default",
"secret":{"name":"default","tlsCertificate":{"certificateChain":{"inlineBytes":"` + chain + `"},"privateKey":{"inlineString":"[redacted]"}}}}]}]}`
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config_dump"), []byte(dump), 0o644)
	addr := serveDir(t, dir)
	out, errs, code := run(t, "", "proxy-config", "secret", "x", "--admin", addr)
	if code != 0 {
		t.Fatalf("%d %s", code, errs)
	}
	for _, want := range []string{"spiffe://cluster.local/ns/default/sa/reviews", "2a", "Cert Chain", time.Now().Add(time.Hour).UTC().Format("2006-01-02")} {
		if !strings.Contains(out, want) {
			t.Errorf("secret lacks %q:\n%s", want, out)
		}
	}
}
