package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMeshEndpoints covers the monitoring port's mesh services: the report
// sink the telemetry filter posts to, the global quota, and the dashboard.
func TestMeshEndpoints(t *testing.T) {
	_, base := startServer(t)
	post := func(path, body string) (int, string) {
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("/v1/report", `[{"reporter":"destination","source":"a.shop","destination":"b.shop","code":403,"reason":"nope"}]`); code != http.StatusNoContent {
		t.Fatalf("report: %d %s", code, body)
	}
	var recs []map[string]any
	getJSON(t, base+"/v1/report?minCode=400", &recs)
	if len(recs) != 1 || recs[0]["reason"] != "nope" {
		t.Errorf("report query: %v", recs)
	}
	var decisions []map[string]any
	getJSON(t, base+"/ui/api/decisions", &decisions)
	if len(decisions) != 1 || decisions[0]["decision"] != "deny" || decisions[0]["reason"] != "nope" {
		t.Errorf("dashboard decisions: %v", decisions)
	}
	resp, err := http.Get(base + "/ui/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("dashboard page: %v %v", resp, err)
	}
	resp.Body.Close()
	if code, _ := post("/v1/quota", `{"key":"k"}`); code != http.StatusOK {
		t.Errorf("quota: %d", code)
	}
	// Without a CA there is nothing to mint.
	if code, _ := post("/ca/tokens", `{"namespace":"shop","serviceAccount":"web"}`); code != http.StatusNotFound {
		t.Errorf("tokens without CA: %d", code)
	}
}

func TestMintTokenWithCA(t *testing.T) {
	s := startSecure(t)
	base := "http://" + s.MonitorAddr()
	resp, err := http.Post(base+"/ca/tokens", "application/json", strings.NewReader(`{"namespace":"shop","serviceAccount":"web"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.Token == "" {
		t.Fatalf("mint: %d %v %+v", resp.StatusCode, err, out)
	}
	resp2, _ := http.Post(base+"/ca/tokens", "application/json", strings.NewReader(`{"namespace":"Bad NS","serviceAccount":"web"}`))
	if resp2.StatusCode != http.StatusBadRequest {
		t.Errorf("bad identity: %d", resp2.StatusCode)
	}
	resp2.Body.Close()
}

func startSecure(t *testing.T) *Server {
	t.Helper()
	cfgDir := filepath.Join(t.TempDir(), "config")
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{ConfigDir: cfgDir, XDSAddr: "127.0.0.1:0", SecureXDSAddr: "127.0.0.1:0", MonitorAddr: "127.0.0.1:0",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}
