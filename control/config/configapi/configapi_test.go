package configapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/control/config"
	"github.com/wasmesh/wasmesh/control/config/dirstore"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var _ Store = (*dirstore.Store)(nil)

const bookinfo = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 90
    - destination: {host: reviews, subset: v2}
      weight: 10
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
`

// serve runs the handler on a loopback socket.
func serve(t *testing.T, dir string) (*Client, *dirstore.Store) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := dirstore.Open(dir, log, dirstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: Handler(store, Options{Logger: log, Hosts: func() []string { return []string{"reviews.default.svc.cluster.local"} }})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &Client{BaseURL: "http://" + ln.Addr().String(), HTTP: &http.Client{Transport: tr}}, store
}

func TestApplyGetListDelete(t *testing.T) {
	dir := t.TempDir()
	c, store := serve(t, dir)
	ctx := context.Background()

	// Invalid: every error comes back with file and line, nothing written.
	bad := strings.Replace(bookinfo, "weight: 10", "weight: 20", 1)
	bad = strings.Replace(bad, "hosts: [reviews]", "hosts: [reviews]\n  colour: blue", 1)
	_, err := c.Apply(ctx, "bookinfo.yaml", []byte(bad))
	var list config.ErrorList
	if !errors.As(err, &list) || !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	want := "bookinfo.yaml:6: spec.colour: unknown field \"colour\"\nbookinfo.yaml:8: spec.http[0].route: weights must sum to 100, got 110"
	if err.Error() != want {
		t.Fatalf("errors:\n%s\nwant:\n%s", err, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatal("invalid apply wrote files")
	}

	// Valid: applied, written through, with the unresolved subset as a warning.
	res, err := c.Apply(ctx, "bookinfo.yaml", []byte(bookinfo))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Applied) != 2 || res.Applied[0].ResourceVersion == "" {
		t.Fatalf("applied = %+v", res.Applied)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Error(), `subset "v2" of host "reviews" is not defined`) {
		t.Fatalf("warnings = %+v", res.Warnings)
	}
	if _, err := os.Stat(filepath.Join(dir, "virtualservice.default.reviews.yaml")); err != nil {
		t.Fatal(err)
	}
	if store.Current().Len() != 2 {
		t.Fatalf("store has %d configs", store.Current().Len())
	}

	got, err := c.Get(ctx, "VirtualService", "default", "reviews")
	if err != nil || !strings.Contains(string(got), "weight: 90") {
		t.Fatalf("get = %s, %v", got, err)
	}
	all, err := c.List(ctx, "", "default")
	if err != nil || strings.Count(string(all), "kind: ") != 2 {
		t.Fatalf("list = %s, %v", all, err)
	}
	drs, err := c.List(ctx, "DestinationRule", "")
	if err != nil || strings.Count(string(drs), "kind: ") != 1 {
		t.Fatalf("list DR = %s, %v", drs, err)
	}
	st, err := c.Status(ctx)
	if err != nil || st.Configs != 2 || len(st.Errors) != 0 || len(st.Warnings) != 1 {
		t.Fatalf("status = %+v, %v", st, err)
	}

	if err := c.Delete(ctx, "VirtualService", "default", "reviews"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "VirtualService", "default", "reviews"); !errors.Is(err, config.ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if err := c.Delete(ctx, "VirtualService", "default", "reviews"); !errors.Is(err, config.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestStatusReportsBadFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.yaml"), []byte("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {servers: []}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ := serve(t, dir)
	st, err := c.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Errors) != 1 || st.Errors[0].Error() != "x.yaml:4: spec.servers: at least one server is required" || st.ErrorAt == nil {
		t.Fatalf("status = %+v", st)
	}
}
