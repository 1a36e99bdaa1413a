package host

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/wasmesh/wasmesh/internal/syncbuf"
)

// Test guests are built once per test binary into a temp dir with the Go
// toolchain (wasip1, c-shared) and wat2wasm (Debian package wabt).
var (
	guestDir  string
	guestOnce = map[string]*sync.Once{}
	guestMu   sync.Mutex
	guestWasm = map[string][]byte{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wasmesh-host-guests-")
	if err != nil {
		panic(err)
	}
	guestDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// goGuest builds testdata/guests/<name> and returns the module bytes.
func goGuest(t testing.TB, name string) []byte {
	t.Helper()
	return buildOnce(t, "go:"+name, func() ([]byte, error) {
		out := filepath.Join(guestDir, name+".wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "./testdata/guests/"+name)
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, &buildError{cmd.String(), b, err}
		}
		return os.ReadFile(out)
	})
}

// watGuest compiles WAT text with wat2wasm.
func watGuest(t testing.TB, name, wat string) []byte {
	t.Helper()
	return buildOnce(t, "wat:"+name, func() ([]byte, error) {
		if _, err := exec.LookPath("wat2wasm"); err != nil {
			return nil, &buildError{"wat2wasm", []byte("install Debian package wabt (apt-get install -y wabt)"), err}
		}
		src := filepath.Join(guestDir, name+".wat")
		out := filepath.Join(guestDir, name+".wasm")
		if err := os.WriteFile(src, []byte(wat), 0o644); err != nil {
			return nil, err
		}
		cmd := exec.Command("wat2wasm", "-o", out, src)
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, &buildError{cmd.String(), b, err}
		}
		return os.ReadFile(out)
	})
}

type buildError struct {
	cmd string
	out []byte
	err error
}

func (e *buildError) Error() string { return e.cmd + ": " + e.err.Error() + "\n" + string(e.out) }

func buildOnce(t testing.TB, key string, build func() ([]byte, error)) []byte {
	guestMu.Lock()
	once, ok := guestOnce[key]
	if !ok {
		once = &sync.Once{}
		guestOnce[key] = once
	}
	guestMu.Unlock()
	var err error
	once.Do(func() {
		var b []byte
		b, err = build()
		guestMu.Lock()
		guestWasm[key] = b
		guestMu.Unlock()
	})
	if err != nil {
		t.Fatalf("build guest %s: %v", key, err)
	}
	guestMu.Lock()
	b := guestWasm[key]
	guestMu.Unlock()
	if b == nil {
		t.Fatalf("guest %s failed to build earlier in this run", key)
	}
	return b
}

// newTestHost creates a Host logging into the returned buffer (and the test
// log on failure).
func newTestHost(t testing.TB, cfg Config) (*Host, *syncbuf.Buffer) {
	t.Helper()
	lb := &syncbuf.Buffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.CacheDir == "" {
		// Share compiled code across the tests' hosts (the disk cache).
		cfg.CacheDir = filepath.Join(guestDir, "compilation-cache")
	}
	h, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(context.Background()); err != nil {
			t.Errorf("close host: %v", err)
		}
		if t.Failed() {
			t.Logf("host log:\n%s", lb.String())
		}
	})
	return h, lb
}
