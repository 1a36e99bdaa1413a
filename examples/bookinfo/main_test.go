package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestProductPageThroughOutbound plays the sidecar with a server that routes
// by Host, and checks the page is assembled and headers are forwarded.
func TestProductPageThroughOutbound(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var sawUser string
	backends := map[string]*app{}
	sidecar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		svc := strings.SplitN(r.Host, ".", 2)[0]
		if svc == "ratings" {
			sawUser = r.Header.Get("end-user")
		}
		b, ok := backends[svc]
		if !ok {
			http.Error(w, "no route", http.StatusNotFound)
			return
		}
		b.ServeHTTP(w, r)
	}))
	defer sidecar.Close()
	mk := func(role, version string) *app {
		return &app{role: role, version: version, outbound: sidecar.URL, namespace: "bookinfo", client: sidecar.Client(), log: quiet}
	}
	backends["details"] = mk("details", "v1")
	backends["reviews"] = mk("reviews", "v3")
	backends["ratings"] = mk("ratings", "v1")

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/productpage", nil)
	req.Header.Set("end-user", "jason")
	mk("productpage", "v1").ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("x-served-by") != "productpage-v1" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	var page struct {
		Details map[string]any `json:"details"`
		Reviews map[string]any `json:"reviews"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
		t.Fatal(err)
	}
	if page.Details["author"] != "William Shakespeare" || page.Reviews["stars"] != "red" || page.Reviews["version"] != "v3" {
		t.Errorf("page: %s", rec.Body)
	}
	if sawUser != "jason" {
		t.Errorf("end-user not forwarded to ratings: %q", sawUser)
	}
	// A missing route shows as an error on the page, not a crash.
	delete(backends, "reviews")
	rec = httptest.NewRecorder()
	mk("productpage", "v1").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if !strings.Contains(rec.Body.String(), "reviewsError") {
		t.Errorf("no reviewsError: %s", rec.Body)
	}
}

func TestRunFlags(t *testing.T) {
	if err := run([]string{"--role", "cart"}); err == nil || !strings.Contains(err.Error(), "--role must be") {
		t.Errorf("bad role: %v", err)
	}
}
