package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/fixture"
)

// TestAccessLogFromTelemetry: proxies fed by meshd log nothing until a
// Telemetry resource asks; a mesh-wide accessLogging for SERVER traffic makes
// the web sidecars write Envoy's default format for the requests they
// receive, while the client sidecar (CLIENT traffic) stays silent; removing
// the resource turns logging off again.
func TestAccessLogFromTelemetry(t *testing.T) {
	m := startMesh(t)
	line := regexp.MustCompile(`(?m)^\[[^\]]+\] "GET /logged-\d+ HTTP/1\.1" 200 `)
	logged := func(name string) int { return len(line.FindAllString(m.proxies[name].Output(), -1)) }
	webLogged := func() int { return logged("web-v1") + logged("web-v2") }

	if _, err := m.get(m.egress + "/logged-0"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := webLogged() + logged("client"); n != 0 {
		t.Fatalf("%d access log lines without a Telemetry resource", n)
	}

	m.write("logs.yaml", `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh-logs, namespace: wasmesh-system}
spec:
  accessLogging:
  - match: {mode: SERVER}
    providers: [{name: envoy}]
`)
	deadline := time.Now().Add(10 * time.Second)
	for i := 1; webLogged() == 0; i++ {
		if time.Now().After(deadline) {
			t.Fatal("no access log line from a web sidecar 10 s after the Telemetry resource")
		}
		if _, err := m.get(m.egress + "/logged-" + itoa(i)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := logged("client"); n != 0 {
		t.Errorf("client sidecar logged %d lines; the resource selects SERVER traffic only", n)
	}

	m.remove("logs.yaml")
	for _, name := range []string{"web-v1", "web-v2"} {
		waitConfigDump(t, m.admin[name], func(dump string) bool { return !strings.Contains(dump, "envoy.access_loggers.stdout") })
	}
	before := webLogged()
	for i := range 5 {
		if _, err := m.get(m.egress + "/logged-" + itoa(1000+i)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if n := webLogged() - before; n != 0 {
		t.Errorf("%d lines logged after the Telemetry resource was removed", n)
	}
}

// waitConfigDump polls a proxy's /config_dump until ok accepts it (10 s).
func waitConfigDump(t *testing.T, admin string, ok func(string) bool) {
	t.Helper()
	fixture.Eventually(t, admin+"/config_dump in the expected state", 10*time.Second, func() bool {
		resp, err := http.Get(admin + "/config_dump")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return ok(string(b))
	})
}
