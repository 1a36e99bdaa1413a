// Package version reports the build's version, set at link time with
// -ldflags "-X github.com/wasmesh/wasmesh/internal/version.Version=v0.1.0".
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is the release; "dev" for builds from a work tree.
var Version = "dev"

// String is "wasmesh <version> (<vcs revision>, <go version>)".
func String() string {
	rev := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("wasmesh %s (%s, %s)", Version, rev, runtime.Version())
}
