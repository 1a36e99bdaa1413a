package dual

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

type build struct {
	once sync.Once
	wasm []byte
	err  error
}

var builds sync.Map // absolute package dir -> *build

// Build compiles the main package in dir to a proxy-wasm module with
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared, once per directory
// per test binary, and returns the module bytes. It fails t if the build
// fails.
func Build(t testing.TB, dir string) []byte {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatalf("dual: %v", err)
	}
	v, _ := builds.LoadOrStore(abs, &build{})
	b := v.(*build)
	b.once.Do(func() { b.wasm, b.err = compile(abs) })
	if b.err != nil {
		t.Fatalf("dual: %v", b.err)
	}
	return b.wasm
}

func goTool() (string, error) {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p, nil
	}
	p, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the Go toolchain is needed to build the Wasm half (install Go 1.24+ and put go on PATH): %w", err)
	}
	return p, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func compile(dir string) ([]byte, error) {
	gobin, err := goTool()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "dual-wasm-")
	if err != nil {
		return nil, fmt.Errorf("dual: %w", err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "filter.wasm")
	cmd := exec.Command(gobin, "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("dual: build %s for wasip1: %w\n%s", dir, err, msg)
	}
	return os.ReadFile(out)
}
