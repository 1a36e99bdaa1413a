package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildHello compiles examples/filters/hello with the standard Go
// toolchain for wasip1.
func buildHello(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "hello.wasm")
	cmd := exec.Command(goTool(), "build", "-buildmode=c-shared", "-o", out, "github.com/wasmesh/wasmesh/examples/filters/hello")
	cmd.Env = append(cmd.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the hello filter: %v\n%s", err, b)
	}
	return out
}

func plugin(name, module, greeting string) string {
	return `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: ` + name + `, namespace: wasmesh-system}
spec:
  url: file://` + module + `
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
	module := buildHello(t)
	m := startMesh(t, "--local-modules")

	m.write("hello.yaml", plugin("hello", module, "one"))
	cold := m.waitGreeting(t, "one", 20*time.Second)
	t.Logf("first filter (module compiled by each proxy) active after: %v", cold)

	m.write("hello2.yaml", plugin("hello2", module, "two"))
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
