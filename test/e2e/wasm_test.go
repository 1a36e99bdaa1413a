package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/fixture"
)

// plugin is a mesh-wide WasmPlugin of the hello filter at url.
func plugin(name, url, greeting string) string {
	return `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: ` + name + `, namespace: wasmesh-system}
spec:
  url: ` + url + `
  pluginConfig: {greeting: ` + greeting + `}
`
}

// TestWasmFilterPushedToAllProxies applies mesh-wide WasmPlugins and waits
// for their response headers from every sidecar: meshd stores the module by
// digest and pushes it via ECDS, without draining listeners. The first
// plugin includes each proxy compiling the module (a 3 MB Go wasip1 module,
// three proxies on two cores); the second plugin uses the same module, so
// it measures the push itself (goal ≤ 2 s).
func TestWasmFilterPushedToAllProxies(t *testing.T) {
	module := fixture.BuildWasm(t, t.TempDir(), "examples/filters/hello")
	m := startMesh(t, "--local-modules")

	m.write("hello.yaml", plugin("hello", "file://"+module, "one"))
	cold := m.waitGreeting(t, "one", 20*time.Second)
	t.Logf("first filter (module compiled by each proxy) active after: %v", cold)

	m.write("hello2.yaml", plugin("hello2", "file://"+module, "two"))
	warm := m.waitGreeting(t, "two", 20*time.Second)
	t.Logf("second filter (module already compiled) active after: %v", warm)
	for name, d := range warm {
		if d > 2*time.Second {
			t.Errorf("%s: new filter active after %v, want ≤ 2s", name, d)
		}
	}
}

// waitGreeting waits until every sidecar adds the greeting: each web
// sidecar on its inbound, the client sidecar on its outbound (its responses
// carry the greeting twice: web inbound + client outbound). It returns when
// each became active.
func (m *mesh) waitGreeting(t *testing.T, greeting string, within time.Duration) map[string]time.Duration {
	t.Helper()
	applied := time.Now()
	checks := map[string]func() bool{
		"web-v1": func() bool { return m.greetings(m.webInbound["web-v1"], greeting) >= 1 },
		"web-v2": func() bool { return m.greetings(m.webInbound["web-v2"], greeting) >= 1 },
		"client": func() bool { return m.greetings(m.egress, greeting) >= 2 },
	}
	active := map[string]time.Duration{}
	for len(active) < len(checks) {
		for name, ok := range checks {
			if _, done := active[name]; !done && ok() {
				active[name] = time.Since(applied)
			}
		}
		if time.Since(applied) > within {
			t.Fatalf("filter %q active only in %v after %v", greeting, active, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return active
}

// greetings counts the x-wasmesh-hello values with greeting that a request
// through url got back (0 on errors).
func (m *mesh) greetings(url, greeting string) int {
	resp, err := m.get(url + "/")
	if err != nil {
		return 0
	}
	n := 0
	for _, v := range resp.Header.Values("x-wasmesh-hello") {
		if strings.Contains(v, greeting) {
			n++
		}
	}
	return n
}
