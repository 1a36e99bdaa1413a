package depcheck

import (
	"os/exec"
	"strings"
	"testing"
)

// rule says that the packages matching pattern (built for goos) must not
// depend on any package whose path starts with one of forbidden, and, when
// allowOnly is set, may depend only on the standard library and those prefixes.
type rule struct {
	name      string
	pattern   string
	goos      string
	forbidden []string
	allowOnly []string
}

const mod = "github.com/wasmesh/wasmesh/"

var rules = []rule{
	{
		name:      "sdk and wasm/abi use only the stdlib, wasm/abi and the proxy-wasm types",
		pattern:   "./sdk/... ./wasm/abi/...",
		goos:      "wasip1",
		allowOnly: []string{mod + "sdk", mod + "wasm/abi", "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"},
	},
	{
		name:      "filters import only the sdk",
		pattern:   "./filters/... ./examples/filters/...",
		goos:      "wasip1",
		allowOnly: []string{mod + "sdk", mod + "wasm/abi", "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"},
	},
	{
		name:      "the data plane never imports the control plane, OPA or client-go",
		pattern:   "./wasm/... ./proxy/... ./policy/eval/... ./policy/cache/... ./cmd/meshproxy/...",
		forbidden: []string{mod + "control/", "github.com/open-policy-agent/", "k8s.io/client-go"},
	},
}

func TestDependencyRules(t *testing.T) {
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			pkgs := list(t, r.goos, "{{.ImportPath}}", r.pattern)
			if len(pkgs) == 0 {
				t.Skipf("no packages match %s yet", r.pattern)
			}
			self := map[string]bool{}
			for _, p := range pkgs {
				self[p] = true
			}
			deps := list(t, r.goos, `{{if not .Standard}}{{.ImportPath}}{{end}}`, "-deps", r.pattern)
			for _, d := range deps {
				for _, f := range r.forbidden {
					if strings.HasPrefix(d, f) {
						t.Errorf("%s depends on %s", r.pattern, d)
					}
				}
				if r.allowOnly != nil && !self[d] && !hasPrefix(d, r.allowOnly) {
					t.Errorf("%s depends on %s, which is outside %v", r.pattern, d, r.allowOnly)
				}
			}
		})
	}
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// list runs go list in the module root and returns its non-empty output lines.
// Patterns that match nothing yet are tolerated: the layout fills in over time.
func list(t *testing.T, goos, format string, args ...string) []string {
	t.Helper()
	cmdArgs := []string{"list", "-e", "-f", format}
	for _, a := range args {
		cmdArgs = append(cmdArgs, strings.Fields(a)...)
	}
	cmd := exec.Command("go", cmdArgs...)
	cmd.Dir = "../.."
	if goos != "" {
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "GOARCH=wasm")
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(cmdArgs, " "), err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		// With -e, a pattern that matches nothing yet is echoed back as "./dir/...".
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "./") {
			lines = append(lines, l)
		}
	}
	return lines
}
