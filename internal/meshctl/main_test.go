package meshctl

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain removes the meshproxy binary the tests built, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	if proxyBin != "" {
		os.RemoveAll(filepath.Dir(proxyBin))
	}
	os.Exit(code)
}
