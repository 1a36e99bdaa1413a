//go:build linux

package netns

import (
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
	if os.Geteuid() != 0 {
		os.Exit(m.Run()) // the test fails with what it needs; nothing to build
	}
	os.Exit(fixture.RunWithCommands(m, &binDir, "meshd", "meshproxy"))
}
