//go:build linux

package netns

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// binDir holds meshd and meshproxy, built once; it is world-readable so
// that the sidecars (uid 1337) can run them.
var binDir string

func TestMain(m *testing.M) {
	if role := os.Getenv(appRoleEnv); role != "" {
		os.Exit(runApp(role))
	}
	dir, err := os.MkdirTemp("", "wasmesh-netns-bin")
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := func() int {
		defer os.RemoveAll(dir)
		if os.Geteuid() != 0 {
			return m.Run() // the test fails with what it needs; nothing to build
		}
		for _, cmd := range []string{"meshd", "meshproxy"} {
			out, err := exec.Command(goTool(), "build", "-o", filepath.Join(dir, cmd), "github.com/wasmesh/wasmesh/cmd/"+cmd).CombinedOutput()
			if err != nil {
				fmt.Fprintf(os.Stderr, "netns: building %s: %v\n%s", cmd, err, out)
				return 1
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

func goTool() string {
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "go"
}
