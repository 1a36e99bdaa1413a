//go:build linux

package netns

import (
	"fmt"
	"os"
	"testing"

	"github.com/wasmesh/wasmesh/test/fixture"
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
		if err := fixture.BuildCommands(dir, "meshd", "meshproxy"); err != nil {
			fmt.Fprintln(os.Stderr, "netns:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}
