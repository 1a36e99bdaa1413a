package dirstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

const seVS = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
---
# the reviews route
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
`

func writeTo(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func vs(spec ...string) string {
	return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n" + strings.Join(spec, "\n") + "\n"
}

func routeTo(host string) api.Config {
	c, _ := api.NewConfig(api.KindVirtualService, "default", "reviews")
	c.Spec = &api.VirtualService{Hosts: []string{"reviews"}, HTTP: []api.HTTPRoute{{
		Route: []api.HTTPRouteDestination{{Destination: api.Destination{Host: host}}},
	}}}
	return c
}

func TestLoadDirAndBadFileKeepsSnapshot(t *testing.T) {
	dir := t.TempDir()
	writeTo(t, dir, "a.yaml", seVS)
	writeTo(t, dir, "notes.txt", "not config")
	s, err := Open(dir, discard, Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := s.Current()
	if first.Len() != 2 || s.Status().Err != nil {
		t.Fatalf("len = %d, status = %+v", first.Len(), s.Status())
	}
	if vs, ok := first.Get(api.KindVirtualService, "default", "reviews"); !ok || vs.Metadata.ResourceVersion == "" {
		t.Fatalf("get = %+v, %v", vs, ok)
	}
	if o, _ := first.Origin(api.Key{Kind: api.KindVirtualService, Namespace: "default", Name: "reviews"}); o != (config.Origin{File: "a.yaml", Line: 10}) {
		t.Fatalf("origin = %+v", o)
	}
	ch, cancel := s.Subscribe()
	defer cancel()

	writeTo(t, dir, "b.yaml", "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers:\n  - port: {number: 99999, protocol: HTTP}\n    hosts: [\"*\"]\n")
	err = s.Reload()
	want := "b.yaml:6: spec.servers[0].port.number: must be between 1 and 65535, got 99999"
	if err == nil || err.Error() != want {
		t.Fatalf("reload err = %v, want %s", err, want)
	}
	if s.Current() != first || s.Status().Err == nil || s.Status().Version != first.Version() {
		t.Fatal("a bad file replaced the good snapshot")
	}
	select {
	case <-ch:
		t.Fatal("a bad load was published")
	default:
	}

	// A duplicate definition is an error too.
	writeTo(t, dir, "b.yaml", strings.SplitN(seVS, "---\n", 2)[1])
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "b.yaml:2: metadata.name: VirtualService default/reviews is already defined at a.yaml:10") {
		t.Fatalf("duplicate: %v", err)
	}

	writeTo(t, dir, "b.yaml", "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers:\n  - port: {number: 80, protocol: HTTP}\n    hosts: [\"*\"]\n")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	got := <-ch
	if got.Len() != 3 || got.Version() == first.Version() || s.Status().Err != nil {
		t.Fatalf("new snapshot len %d version %s", got.Len(), got.Version())
	}
	// Reloading unchanged content publishes nothing and keeps the version.
	if err := s.Reload(); err != nil || s.Current() != got {
		t.Fatal("unchanged reload replaced the snapshot")
	}
}

func TestOpenInvalidDirStartsEmpty(t *testing.T) {
	dir := t.TempDir()
	writeTo(t, dir, "a.yaml", "kind: Nope\n")
	s, err := Open(dir, discard, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Current().Len() != 0 || !errors.Is(s.Status().Err, config.ErrInvalid) {
		t.Fatalf("status = %+v", s.Status())
	}
	if _, err := Open(filepath.Join(dir, "missing"), discard, Options{}); err == nil {
		t.Fatal("missing directory accepted")
	}
}

func TestWatchReloads(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, discard, Options{Debounce: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ch, cancel := s.Subscribe()
	defer cancel()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	defer func() { stop(); <-done }()

	// Let the watcher start, then change the directory.
	deadline := time.After(5 * time.Second)
	writeTo(t, dir, "a.yaml", seVS)
	select {
	case snap := <-ch:
		if snap.Len() != 2 {
			t.Fatalf("len = %d", snap.Len())
		}
	case <-deadline:
		t.Fatal("no snapshot after writing a file")
	}
	// A new subdirectory is watched too.
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	writeTo(t, dir, "sub/g.yaml", "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers:\n  - port: {number: 80, protocol: HTTP}\n    hosts: [\"*\"]\n")
	select {
	case snap := <-ch:
		if snap.Len() != 3 {
			t.Fatalf("len = %d", snap.Len())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no snapshot after writing into a new subdirectory")
	}
	good := s.Current()
	writeTo(t, dir, "sub/g.yaml", "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {servers: 3}\n")
	for start := time.Now(); s.Status().Err == nil; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("bad file not reported in status")
		}
	}
	if s.Current() != good {
		t.Fatal("bad file replaced the snapshot")
	}
	if !strings.Contains(s.Status().Err.Error(), "sub/g.yaml:4: spec.servers: expected a list, got number 3") {
		t.Fatalf("status err = %v", s.Status().Err)
	}
}

func TestApplyDelete(t *testing.T) {
	dir := t.TempDir()
	writeTo(t, dir, "a.yaml", seVS)
	s, err := Open(dir, discard, Options{})
	if err != nil {
		t.Fatal(err)
	}
	before := s.Current()

	// Invalid: rejected, nothing changes.
	_, err = s.Apply(routeTo(""))
	if !errors.Is(err, config.ErrInvalid) || err.Error() != "spec.http[0].route[0].destination.host: required" {
		t.Fatalf("invalid apply: %v", err)
	}
	if s.Current() != before {
		t.Fatal("invalid apply changed the snapshot")
	}

	// Update of a document in a multi-document file: the other document
	// and the comments stay as they were.
	got, err := s.Apply(routeTo("reviews-v2"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.(*api.VirtualService).HTTP[0].Route[0].Destination.Host != "reviews-v2" || got.Metadata.ResourceVersion == "" {
		t.Fatalf("applied = %+v", got)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "a.yaml"))
	if !strings.HasPrefix(string(data), strings.SplitN(seVS, "---\n", 2)[0]+"---\n") || !strings.Contains(string(data), "reviews-v2") {
		t.Fatalf("a.yaml = %s", data)
	}

	// New config: its own file, kept across a restart.
	c, _ := api.NewConfig(api.KindServiceEntry, "shop", "db")
	c.Spec = &api.ServiceEntry{Hosts: []string{"db.shop"}, Ports: []api.ServicePort{{Number: 5432, Name: "pg", Protocol: api.ProtocolTCP}},
		Resolution: api.ResolutionStatic, Endpoints: []api.WorkloadEntry{{Address: "127.0.0.1"}}}
	if _, err := s.Apply(c); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "serviceentry.shop.db.yaml")); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, discard, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s2.Current().Version() != s.Current().Version() || s2.Current().Len() != 3 {
		t.Fatal("applied configs not identical after restart")
	}

	// A write that would make the directory fail to load is rolled back.
	writeTo(t, dir, "broken.yaml", "kind: Nope\n")
	if _, err := s.Apply(routeTo("reviews-v3")); err == nil {
		t.Fatal("apply into a broken directory succeeded")
	}
	data2, _ := os.ReadFile(filepath.Join(dir, "a.yaml"))
	if string(data2) != string(data) {
		t.Fatal("failed apply left its write behind")
	}
	os.Remove(filepath.Join(dir, "broken.yaml"))

	// Delete: the document from the multi-document file, the whole
	// single-document file, and not-found.
	if err := s.Delete(api.KindVirtualService, "default", "reviews"); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(filepath.Join(dir, "a.yaml"))
	if strings.Contains(string(data), "VirtualService") || !strings.Contains(string(data), "ServiceEntry") {
		t.Fatalf("after delete a.yaml = %s", data)
	}
	if err := s.Delete(api.KindServiceEntry, "shop", "db"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "serviceentry.shop.db.yaml")); !os.IsNotExist(err) {
		t.Fatal("single-document file not removed")
	}
	if err := s.Delete(api.KindServiceEntry, "shop", "db"); !errors.Is(err, config.ErrNotFound) {
		t.Fatalf("delete missing: %v", err)
	}
	if s.Current().Len() != 1 {
		t.Fatalf("len = %d", s.Current().Len())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Fatalf("temporary file left: %s", e.Name())
		}
	}
}

func TestApplyFile(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, discard, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bad := seVS + "---\n" + vs("  hosts: [r]", "  http:", "  - route:", "    - destination: {host: r}", "      weight: 140")
	_, err = s.ApplyFile("mine.yaml", []byte(bad))
	if err == nil || err.Error() != "mine.yaml:27: spec.http[0].route[0].weight: must be between 0 and 100, got 140" {
		t.Fatalf("err = %v", err)
	}
	dup := seVS + "---\n" + strings.SplitN(seVS, "---\n", 2)[1]
	if _, err := s.ApplyFile("dup.yaml", []byte(dup)); err == nil || !strings.Contains(err.Error(), "already defined at dup.yaml:10") {
		t.Fatalf("dup err = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("invalid input wrote %d files", len(entries))
	}
	if _, err := s.ApplyFile("empty.yaml", []byte("# nothing\n")); err == nil {
		t.Fatal("empty input accepted")
	}
	got, err := s.ApplyFile("mine.yaml", []byte(seVS))
	if err != nil || len(got) != 2 || s.Current().Len() != 2 {
		t.Fatalf("apply: %v, %d configs", err, len(got))
	}
}

// A Kubernetes ConfigMap volume: files are symlinks into a hidden
// timestamped directory, and an update swaps the "..data" symlink.
func TestWatchConfigMapVolume(t *testing.T) {
	dir := t.TempDir()
	gw := func(port int) string {
		return fmt.Sprintf("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers:\n  - port: {number: %d, protocol: HTTP}\n    hosts: [\"*\"]\n", port)
	}
	version := func(name string, port int) {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		writeTo(t, dir, name+"/gw.yaml", gw(port))
	}
	version("..2026_01", 80)
	if err := os.Symlink("..2026_01", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..data/gw.yaml", filepath.Join(dir, "gw.yaml")); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, discard, Options{Debounce: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if s.Current().Len() != 1 {
		t.Fatalf("len = %d, status %+v", s.Current().Len(), s.Status())
	}
	ch, cancel := s.Subscribe()
	defer cancel()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	defer func() { stop(); <-done }()
	time.Sleep(50 * time.Millisecond)

	version("..2026_02", 8080)
	if err := os.Symlink("..2026_02", filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	select {
	case snap := <-ch:
		g, _ := snap.Get(api.KindGateway, "default", "g")
		if got := g.Spec.(*api.Gateway).Servers[0].Port.Number; got != 8080 {
			t.Fatalf("port = %d", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ConfigMap-style update not picked up")
	}
}
