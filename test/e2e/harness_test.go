package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/fixture"
)

// binDir holds meshd and meshproxy, built once.
var binDir string

func TestMain(m *testing.M) { os.Exit(fixture.RunWithCommands(m, &binDir, "meshd", "meshproxy")) }

// start runs a binary of binDir, the first word of name, until the test
// ends (see fixture.Start).
func start(t *testing.T, name string, args ...string) *fixture.Process {
	t.Helper()
	return fixture.Start(t, name, exec.Command(filepath.Join(binDir, strings.Fields(name)[0]), args...))
}

// configDir makes dir/config holding mesh.yaml: cfg with every placeholder
// of ports replaced by its number.
func configDir(t *testing.T, dir, cfg string, ports map[string]int) string {
	t.Helper()
	cfgDir := filepath.Join(dir, "config")
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for k, v := range ports {
		cfg = strings.ReplaceAll(cfg, k, itoa(v))
	}
	fixture.WriteConfig(t, cfgDir, "mesh.yaml", cfg)
	return cfgDir
}

// caSidecar is a meshproxy sidecar with its certificate from meshd's CA.
type caSidecar struct {
	proc                 *fixture.Process
	admin, stats, status string // base URLs of its admin (15000), stats (15090) and merged metrics (15020) ports
}

// startCASidecar runs meshproxy for the workload name of namespace default
// (its service account too) with a token minted by meshd (monitoring base
// URL monitor), xDS at xds and the CA at secure, and waits until it is
// ready.
func startCASidecar(t *testing.T, xds, secure, monitor, name, labels, ports string, extra ...string) caSidecar {
	t.Helper()
	status, health, admin, stats := fixture.FreePort(t), fixture.FreePort(t), fixture.FreePort(t), fixture.FreePort(t)
	p := start(t, "meshproxy "+name, append([]string{"--xds-address", xds, "--ca-address", secure,
		"--token", fixture.MintToken(t, nil, monitor, "default", name),
		"--ca-bundle-url", monitor + "/ca/bundle.pem", "--workload", name, "--namespace", "default",
		"--service-account", name, "--labels", labels, "--ports", ports,
		"--admin-port", itoa(admin), "--stats-port", itoa(stats), "--status-port", itoa(status),
		"--health-port", itoa(health), "--access-log=false", "--drain-time", "1s"}, extra...)...)
	fixture.WaitHTTP(t, nil, "http://127.0.0.1:"+itoa(health)+"/healthz/ready", 15*time.Second)
	return caSidecar{proc: p, admin: "http://127.0.0.1:" + itoa(admin), stats: "http://127.0.0.1:" + itoa(stats),
		status: "http://127.0.0.1:" + itoa(status)}
}

// bootstrap writes a meshproxy bootstrap naming the node and its workload.
func bootstrap(t *testing.T, dir, name string, labels map[string]string, port int) string {
	t.Helper()
	var lb strings.Builder
	for k, v := range labels {
		fmt.Fprintf(&lb, "      %s: %q\n", k, v)
	}
	y := fmt.Sprintf(`node:
  id: sidecar~127.0.0.1~%[1]s.default~default.svc.cluster.local
  metadata:
    NAME: %[1]s
    NAMESPACE: default
    INSTANCE_IPS: 127.0.0.1
    INTERCEPTION_MODE: NONE
    POD_PORTS: '[{"name":"http","containerPort":%[2]d}]'
    LABELS:
%[3]s`, name, port, lb.String())
	f := filepath.Join(dir, name+".bootstrap.yaml")
	if err := os.WriteFile(f, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func itoa(n int) string { return strconv.Itoa(n) }
