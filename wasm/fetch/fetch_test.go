package fetch_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wasmesh/wasmesh/wasm/fetch"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// module is a stand-in Wasm module: the magic and version header plus a payload.
var module = append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte("wasmesh"), 100)...)

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// moduleServer serves module at /m.wasm and counts requests.
type moduleServer struct {
	*httptest.Server
	hits atomic.Int64
}

func newModuleServer(t *testing.T, h http.HandlerFunc) *moduleServer {
	t.Helper()
	s := &moduleServer{}
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/m.wasm" {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write(module)
		}
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func newFetcher(t *testing.T, cfg fetch.Config) *fetch.Fetcher {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	f, err := fetch.New(cfg)
	if err != nil {
		t.Fatalf("new fetcher: %v", err)
	}
	return f
}

func TestHTTPFetchVerifiesAndCaches(t *testing.T) {
	srv := newModuleServer(t, nil)
	dir := t.TempDir()
	f := newFetcher(t, fetch.Config{CacheDir: dir, AllowPrivate: true})
	ctx := context.Background()
	sum := digest(module)

	got, err := f.Get(ctx, srv.URL+"/m.wasm", strings.ToUpper(sum))
	if err != nil || !bytes.Equal(got, module) {
		t.Fatalf("Get = %d bytes, %v", len(got), err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, sum+".wasm")); err != nil || !bytes.Equal(b, module) {
		t.Fatalf("cache file: %v", err)
	}
	if _, err := f.Get(ctx, srv.URL+"/m.wasm", sum); err != nil {
		t.Fatal(err)
	}
	if n := srv.hits.Load(); n != 1 {
		t.Errorf("server hit %d times, want 1 (second Get from cache)", n)
	}
	// Another fetcher on the same directory serves it with the server gone.
	srv.Close()
	f2 := newFetcher(t, fetch.Config{CacheDir: dir, AllowPrivate: true})
	if got, err := f2.Get(ctx, srv.URL+"/m.wasm", sum); err != nil || !bytes.Equal(got, module) {
		t.Fatalf("Get from disk cache: %v", err)
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".incoming-*")); len(tmps) != 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
}

func TestCorruptCacheEntryIsRefetched(t *testing.T) {
	srv := newModuleServer(t, nil)
	dir := t.TempDir()
	sum := digest(module)
	if err := os.WriteFile(filepath.Join(dir, sum+".wasm"), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFetcher(t, fetch.Config{CacheDir: dir, AllowPrivate: true})
	got, err := f.Get(context.Background(), srv.URL+"/m.wasm", sum)
	if err != nil || !bytes.Equal(got, module) {
		t.Fatalf("Get = %v", err)
	}
	if srv.hits.Load() != 1 {
		t.Error("corrupt cache entry was served instead of refetching")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, sum+".wasm")); !bytes.Equal(b, module) {
		t.Error("cache entry not repaired")
	}
}

func TestDigestMismatch(t *testing.T) {
	srv := newModuleServer(t, nil)
	dir := t.TempDir()
	f := newFetcher(t, fetch.Config{CacheDir: dir, AllowPrivate: true})
	wrong := strings.Repeat("ab", 32)
	_, err := f.Get(context.Background(), srv.URL+"/m.wasm", wrong)
	var mm *fetch.DigestMismatchError
	if !errors.As(err, &mm) || mm.Want != wrong || mm.Got != digest(module) {
		t.Fatalf("err = %v, want DigestMismatchError naming both digests", err)
	}
	if !strings.Contains(err.Error(), wrong) || !strings.Contains(err.Error(), digest(module)) {
		t.Errorf("message %q does not name both digests", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("mismatching module cached under %v", entries)
	}
}

func TestEmptyDigestIsComputed(t *testing.T) {
	srv := newModuleServer(t, nil)
	f := newFetcher(t, fetch.Config{CacheDir: t.TempDir(), AllowPrivate: true})
	ctx := context.Background()
	b, sum, err := f.GetDigest(ctx, srv.URL+"/m.wasm", "")
	if err != nil || sum != digest(module) || !bytes.Equal(b, module) {
		t.Fatalf("GetDigest = %q, %v", sum, err)
	}
	if _, err := f.Get(ctx, srv.URL+"/m.wasm", sum); err != nil || srv.hits.Load() != 1 {
		t.Errorf("computed digest not cached: %v, %d hits", err, srv.hits.Load())
	}
}

func TestFileURI(t *testing.T) {
	p := filepath.Join(t.TempDir(), "filter.wasm")
	if err := os.WriteFile(p, module, 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFetcher(t, fetch.Config{})
	got, sum, err := f.GetDigest(context.Background(), "file://"+p, "")
	if err != nil || !bytes.Equal(got, module) || sum != digest(module) {
		t.Fatalf("file fetch: %v", err)
	}
	_, err = f.Get(context.Background(), "file://"+p+".missing", "")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist", err)
	}
}

func TestRefusedURIs(t *testing.T) {
	f := newFetcher(t, fetch.Config{AllowPrivate: true})
	tests := []struct {
		uri  string
		want error
	}{
		{"oci://ghcr.io/acme/filter:1.0", fetch.ErrNotSupported},
		{"ftp://example.com/m.wasm", fetch.ErrInvalidURI},
		{"file://relative/m.wasm", fetch.ErrInvalidURI},
		{"m.wasm", fetch.ErrInvalidURI},
		{"http:///m.wasm", fetch.ErrInvalidURI},
		{"http://169.254.169.254/latest/meta-data", fetch.ErrInvalidURI},
		{"http://169.254.1.1/m.wasm", fetch.ErrInvalidURI},
		{"http://[fe80::1]/m.wasm", fetch.ErrInvalidURI},
		{"http://[fd00:ec2::254]/m.wasm", fetch.ErrInvalidURI},
		{"http://[::ffff:169.254.169.254]/m.wasm", fetch.ErrInvalidURI},
		{"http://metadata.google.internal/computeMetadata/v1/", fetch.ErrInvalidURI},
		{"http://METADATA.google.internal./x", fetch.ErrInvalidURI},
	}
	for _, tt := range tests {
		_, err := f.Get(context.Background(), tt.uri, "")
		if !errors.Is(err, tt.want) {
			t.Errorf("Get(%q) = %v, want %v", tt.uri, err, tt.want)
		}
	}
	_, err := f.Get(context.Background(), "oci://ghcr.io/acme/filter:1.0", "")
	if !strings.Contains(err.Error(), "not supported yet") {
		t.Errorf("oci error %q does not say not supported yet", err)
	}
	if _, err := f.Get(context.Background(), "file:///x", "abc"); !errors.Is(err, fetch.ErrInvalidDigest) {
		t.Errorf("short digest: %v", err)
	}
}

// Redirects to refused addresses are stopped when dialing: the check runs on the resolved
// address of every hop, not only on the URI given.
func TestRedirectToBlockedAddressRefusedAtDial(t *testing.T) {
	for _, target := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://metadata.google.internal/computeMetadata/v1/",
		"http://[fe80::1]:8080/m.wasm",
	} {
		srv := newModuleServer(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target, http.StatusFound)
		})
		f := newFetcher(t, fetch.Config{AllowPrivate: true})
		_, err := f.Get(context.Background(), srv.URL+"/m.wasm", "")
		var blocked *fetch.BlockedAddressError
		if !errors.As(err, &blocked) {
			t.Errorf("redirect to %s: err = %v, want BlockedAddressError", target, err)
		}
	}
}

// Without AllowPrivate, loopback is refused after name resolution: "localhost" resolves to a
// loopback IP, which the dialer refuses, and the server never sees a request.
func TestLoopbackRefusedWithoutAllowPrivate(t *testing.T) {
	srv := newModuleServer(t, nil)
	f := newFetcher(t, fetch.Config{})
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, uri := range []string{srv.URL + "/m.wasm", "http://localhost" + port + "/m.wasm"} {
		_, err := f.Get(context.Background(), uri, "")
		var blocked *fetch.BlockedAddressError
		if !errors.As(err, &blocked) || !strings.Contains(blocked.Reason, "loopback") {
			t.Errorf("Get(%s) = %v, want a loopback BlockedAddressError", uri, err)
		}
	}
	if n := srv.hits.Load(); n != 0 {
		t.Errorf("server saw %d requests", n)
	}
}

func TestSizeLimitAndStatus(t *testing.T) {
	big := bytes.Repeat([]byte{1}, 2048)
	srv := newModuleServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sized":
			_, _ = w.Write(big) // Content-Length set
		case "/chunked":
			for i := 0; i < len(big); i += 512 {
				_, _ = w.Write(big[i : i+512])
				w.(http.Flusher).Flush()
			}
		case "/exact":
			_, _ = w.Write(big[:1024])
		case "/moved":
			http.Redirect(w, r, "/exact", http.StatusMovedPermanently)
		case "/error":
			http.Error(w, "boom", http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	})
	f := newFetcher(t, fetch.Config{MaxBytes: 1024, AllowPrivate: true})
	ctx := context.Background()
	for _, p := range []string{"/sized", "/chunked"} {
		var tl *fetch.TooLargeError
		if _, err := f.Get(ctx, srv.URL+p, ""); !errors.As(err, &tl) || tl.Limit != 1024 {
			t.Errorf("%s: err = %v, want TooLargeError", p, err)
		}
	}
	if b, err := f.Get(ctx, srv.URL+"/moved", ""); err != nil || len(b) != 1024 {
		t.Errorf("/moved: %d bytes, %v", len(b), err)
	}
	for p, code := range map[string]int{"/missing": 404, "/error": 500} {
		var se *fetch.HTTPStatusError
		if _, err := f.Get(ctx, srv.URL+p, ""); !errors.As(err, &se) || se.StatusCode != code {
			t.Errorf("%s: err = %v, want HTTPStatusError %d", p, err, code)
		}
	}
	file := filepath.Join(t.TempDir(), "big.wasm")
	if err := os.WriteFile(file, big, 0o644); err != nil {
		t.Fatal(err)
	}
	var tl *fetch.TooLargeError
	if _, err := f.Get(ctx, "file://"+file, ""); !errors.As(err, &tl) {
		t.Errorf("oversize file: %v", err)
	}
}

func TestConcurrentCallersFetchOnce(t *testing.T) {
	release := make(chan struct{})
	srv := newModuleServer(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		_, _ = w.Write(module)
	})
	f := newFetcher(t, fetch.Config{CacheDir: t.TempDir(), AllowPrivate: true})
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			b, err := f.Get(context.Background(), srv.URL+"/m.wasm", digest(module))
			if err == nil && !bytes.Equal(b, module) {
				err = errors.New("wrong bytes")
			}
			errs <- err
		})
	}
	time.Sleep(100 * time.Millisecond) // let every caller join the flight
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if hits := srv.hits.Load(); hits != 1 {
		t.Errorf("%d downloads for %d concurrent callers, want 1", hits, n)
	}
}

func TestNewRejectsUnguardableTransport(t *testing.T) {
	_, err := fetch.New(fetch.Config{HTTPClient: &http.Client{Transport: roundTripFunc(nil)}})
	if !errors.Is(err, fetch.ErrInvalidConfig) {
		t.Errorf("New = %v, want ErrInvalidConfig", err)
	}
	if _, err := fetch.New(fetch.Config{MaxBytes: -1}); !errors.Is(err, fetch.ErrInvalidConfig) {
		t.Errorf("negative MaxBytes: %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
