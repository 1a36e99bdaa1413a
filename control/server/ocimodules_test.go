package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/modules"
	"github.com/wasmesh/wasmesh/control/oci/ocitest"
	"github.com/wasmesh/wasmesh/internal/syncbuf"
)

// testModule is a Wasm binary module (header and a custom section).
func testModule(name string) []byte {
	b := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, byte(1 + len(name)), byte(len(name))}
	return append(b, name...)
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// ociHarness runs fileModules with an OCI puller until the test ends.
type ociHarness struct {
	files *fileModules
	kicks chan struct{}
	logs  *syncbuf.Buffer
	stop  func()
}

func newOCIHarness(t *testing.T, dataDir string, pullInterval time.Duration) *ociHarness {
	t.Helper()
	h := &ociHarness{kicks: make(chan struct{}, 16), logs: &syncbuf.Buffer{}}
	log := slog.New(slog.NewTextHandler(h.logs, nil))
	store, err := modules.Open(filepath.Join(dataDir, "modules"), 0)
	if err != nil {
		t.Fatal(err)
	}
	h.files = newFileModules(store, log)
	h.files.oci = newOCIModules(Config{DataDir: dataDir, CredentialsDir: filepath.Join(dataDir, "credentials"), Logger: log, ImagePullInterval: pullInterval}, store, func() { h.kicks <- struct{}{} })
	h.files.oci.backoff = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.files.oci.run(ctx); close(done) }()
	h.stop = func() { cancel(); <-done }
	t.Cleanup(h.stop)
	return h
}

func wasmPlugin(name, url, policy string) api.Config {
	return api.Config{Kind: "WasmPlugin", Metadata: api.ObjectMeta{Name: name, Namespace: "ns", ResourceVersion: "1"},
		Spec: &api.WasmPlugin{URL: url, ImagePullPolicy: api.PullPolicy(policy)}}
}

// waitResolved kicks resolve until url maps to want.
func (h *ociHarness) waitResolved(t *testing.T, cfgs []api.Config, url, want string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		if got := h.files.resolve(cfgs)[url]; got == want {
			return
		}
		select {
		case <-h.kicks:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("%s resolved to %q, want %q\nlogs:\n%s", url, h.files.resolve(cfgs)[url], want, h.logs.String())
		}
	}
}

func TestOCIModulesPullInBackground(t *testing.T) {
	reg := ocitest.New(t, ocitest.Options{Auth: ocitest.Token})
	v1 := testModule("v1")
	reg.PushArtifact("filters/a", "v1", v1)
	reg.PushCompat("filters/c", "v1", testModule("compat"))
	dataDir := t.TempDir()
	h := newOCIHarness(t, dataDir, time.Hour)
	art, compat := "oci://"+reg.Host()+"/filters/a:v1", reg.Host()+"/filters/c:v1"
	cfgs := []api.Config{wasmPlugin("a", art, ""), wasmPlugin("c", compat, "IfNotPresent")}

	// the first resolve answers at once, without the modules
	start := time.Now()
	if got := h.files.resolve(cfgs); len(got) != 0 {
		t.Fatalf("first resolve = %v, want nothing before the pulls", got)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("resolve took %v: it must not wait for registries", d)
	}
	select {
	case <-h.kicks:
	case <-time.After(5 * time.Second):
		t.Fatalf("no push requested after the pull\n%s", h.logs.String())
	}
	h.waitResolved(t, cfgs, art, sum(v1))
	h.waitResolved(t, cfgs, compat, sum(testModule("compat")))
	if !h.files.store.Has(sum(v1)) {
		t.Error("module not in the store")
	}
	// IfNotPresent: the tag moving does not pull again
	reg.PushArtifact("filters/a", "v1", testModule("moved"))
	time.Sleep(200 * time.Millisecond)
	h.files.resolve(cfgs)
	if n := reg.ManifestGets("filters/a"); n != 1 {
		t.Errorf("IfNotPresent image pulled %d times, want 1", n)
	}
	if !strings.Contains(h.logs.String(), "plugin=\"WasmPlugin ns/a\"") {
		t.Errorf("pull log does not name the plugin:\n%s", h.logs.String())
	}
	h.stop()

	// a restarted meshd has the modules without pulling
	h2 := newOCIHarness(t, dataDir, time.Hour)
	if got := h2.files.resolve(cfgs); got[art] != sum(v1) || got[compat] != sum(testModule("compat")) {
		t.Errorf("after a restart resolve = %v, want the modules pulled before", got)
	}
	time.Sleep(100 * time.Millisecond)
	if n := reg.ManifestGets("filters/a"); n != 1 {
		t.Errorf("restart pulled again (%d manifest GETs)", n)
	}
}

func TestOCIModulesAlwaysRepulls(t *testing.T) {
	reg := ocitest.New(t, ocitest.Options{})
	reg.PushArtifact("f", "latest", testModule("one"))
	reg.PushArtifact("g", "v1", testModule("g1"))
	h := newOCIHarness(t, t.TempDir(), 50*time.Millisecond)
	latest, always := "oci://"+reg.Host()+"/f", "oci://"+reg.Host()+"/g:v1"
	cfgs := []api.Config{wasmPlugin("latest", latest, ""), wasmPlugin("always", always, "Always")}
	h.waitResolved(t, cfgs, latest, sum(testModule("one")))
	h.waitResolved(t, cfgs, always, sum(testModule("g1")))
	reg.PushArtifact("f", "latest", testModule("two"))
	reg.PushArtifact("g", "v1", testModule("g2"))
	h.waitResolved(t, cfgs, latest, sum(testModule("two")))
	h.waitResolved(t, cfgs, always, sum(testModule("g2")))
}

func TestOCIModulesRetryAfterFailure(t *testing.T) {
	reg := ocitest.New(t, ocitest.Options{})
	h := newOCIHarness(t, t.TempDir(), time.Hour)
	url := "oci://" + reg.Host() + "/late:v1"
	cfgs := []api.Config{wasmPlugin("late", url, "")}
	h.files.resolve(cfgs)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(h.logs.String(), "attempt=2") {
		if time.Now().After(deadline) {
			t.Fatalf("no retry logged:\n%s", h.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	logs := h.logs.String()
	for _, want := range []string{"WasmPlugin image pull failed", `plugin="WasmPlugin ns/late"`, `no such tag \"v1\"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	reg.PushArtifact("late", "v1", testModule("late"))
	h.waitResolved(t, cfgs, url, sum(testModule("late")))
}

func TestOCIModulesSlowRegistryDoesNotBlockResolve(t *testing.T) {
	reg := ocitest.New(t, ocitest.Options{})
	reg.PushArtifact("slow", "v1", testModule("slow"))
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		reg.Handler().ServeHTTP(w, r)
	}))
	defer slow.Close()
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	defer open() // before Close, which waits for the held requests
	h := newOCIHarness(t, t.TempDir(), time.Hour)
	url := "oci://" + strings.TrimPrefix(slow.URL, "http://") + "/slow:v1"
	cfgs := []api.Config{wasmPlugin("slow", url, "")}
	for range 5 {
		start := time.Now()
		if got := h.files.resolve(cfgs); got[url] != "" {
			t.Fatalf("resolved %v before the registry answered", got)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Fatalf("resolve waited %v for a slow registry", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	open()
	h.waitResolved(t, cfgs, url, sum(testModule("slow")))
}

func TestOCIModulesAlwaysRepullsOnChange(t *testing.T) {
	reg := ocitest.New(t, ocitest.Options{})
	reg.PushArtifact("g", "v1", testModule("g1"))
	h := newOCIHarness(t, t.TempDir(), time.Hour)
	url := "oci://" + reg.Host() + "/g:v1"
	cfgs := []api.Config{wasmPlugin("always", url, "Always")}
	h.waitResolved(t, cfgs, url, sum(testModule("g1")))
	reg.PushArtifact("g", "v1", testModule("g2"))
	time.Sleep(100 * time.Millisecond)
	if got := h.files.resolve(cfgs)[url]; got != sum(testModule("g1")) {
		t.Fatalf("pulled again without a change or the interval: %s", got)
	}
	cfgs[0].Metadata.ResourceVersion = "2"
	h.waitResolved(t, cfgs, url, sum(testModule("g2")))
}

func TestOCIModulesImagePullSecret(t *testing.T) {
	reg := ocitest.New(t, ocitest.Options{Auth: ocitest.Basic, Username: "puller", Password: "s3cret"})
	reg.PushArtifact("private", "v1", testModule("private"))
	dataDir := t.TempDir()
	h := newOCIHarness(t, dataDir, time.Hour)
	url := "oci://" + reg.Host() + "/private:v1"
	cfg := wasmPlugin("private", url, "")
	cfg.Spec.(*api.WasmPlugin).ImagePullSecret = "regcred"
	cfgs := []api.Config{cfg}
	h.files.resolve(cfgs)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(h.logs.String(), "oci: unauthorized") {
		if time.Now().After(deadline) {
			t.Fatalf("pull without the secret's file did not fail as unauthorized:\n%s", h.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	dir := filepath.Join(dataDir, "credentials", "regcred")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	auth := base64.StdEncoding.EncodeToString([]byte("puller:s3cret"))
	if err := os.WriteFile(filepath.Join(dir, ".dockerconfigjson"), []byte(`{"auths":{"`+reg.Host()+`":{"auth":"`+auth+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	h.waitResolved(t, cfgs, url, sum(testModule("private")))
}
