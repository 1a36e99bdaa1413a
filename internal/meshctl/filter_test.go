package meshctl

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFilterInitBuild creates a filter project, runs its own test (native and
// Wasm), and builds it with meshctl: what a filter author does first.
func TestFilterInitBuild(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "greeter")
	out, errs, code := run(t, "", "filter", "init", "greeter", dir, "--sdk", root)
	if code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	if !strings.Contains(out, "created filter \"greeter\"") {
		t.Errorf("init output: %s", out)
	}
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = dir
	tidy.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if b, err := tidy.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy in the new project: %v\n%s", err, b)
	}
	test := exec.Command("go", "test", "./...")
	test.Dir = dir
	if b, err := test.CombinedOutput(); err != nil {
		t.Fatalf("the new project's own test fails: %v\n%s", err, b)
	}
	out, errs, code = run(t, "", "filter", "build", dir)
	if code != 0 {
		t.Fatalf("build: %d %s", code, errs)
	}
	if !strings.Contains(out, "greeter.wasm") || !strings.Contains(out, "sha256:") {
		t.Errorf("build output: %s", out)
	}
	if _, _, code := run(t, "", "filter", "init", "greeter", dir, "--sdk", root); code != exitFailure {
		t.Errorf("init into a non-empty dir: code %d", code)
	}
	if _, errs, code := run(t, "", "filter", "init", "Bad_Name", "--sdk", root); code != exitUsage || !strings.Contains(errs, "lowercase") {
		t.Errorf("bad name: %d %s", code, errs)
	}
}
