package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/policy/eval"
	"github.com/wasmesh/wasmesh/proxy"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestStatusPorts(t *testing.T) {
	p, err := proxy.New(proxy.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	p.Stats().Inc("cluster.c.upstream_rq_total")
	engine, err := eval.New(context.Background(), eval.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close(context.Background())
	ports := []int{freePort(t), freePort(t), freePort(t)}
	st := statusServers{host: "127.0.0.1", statsPort: ports[0], mergedPort: ports[1], health: ports[2], p: p,
		engine: engine, log: slog.New(slog.DiscardHandler), required: true}
	srvs, lns, err := st.listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { serveAll(ctx, srvs, lns); close(done) }()
	defer func() { cancel(); <-done }()
	base := func(i int) string { return "http://127.0.0.1:" + strconv.Itoa(ports[i]) }

	if _, body := get(t, base(0)+"/stats/prometheus"); !strings.Contains(body, "envoy_cluster_c_upstream_rq_total 1") ||
		strings.Contains(body, "wasmesh_policy") {
		t.Errorf("15090:\n%s", body)
	}
	if _, body := get(t, base(1)+"/stats/prometheus"); !strings.Contains(body, "envoy_cluster_c_upstream_rq_total 1") ||
		!strings.Contains(body, "wasmesh_policy_cache_hits_total 0\n") || !strings.Contains(body, "wasmesh_policy_cache_misses_total 0\n") {
		t.Errorf("15020:\n%s", body)
	}
	if code, _ := get(t, base(2)+"/healthz/ready"); code != http.StatusServiceUnavailable {
		t.Errorf("not started proxy ready: %d", code)
	}
	// a running proxy without xDS is ready, unless its identity is not issued yet
	pctx, pcancel := context.WithCancel(context.Background())
	pdone := make(chan error, 1)
	go func() { pdone <- p.Run(pctx) }()
	defer func() { pcancel(); <-pdone }()
	for !p.Ready() {
		time.Sleep(5 * time.Millisecond)
	}
	if code, _ := get(t, base(2)+"/healthz/ready"); code != http.StatusOK {
		t.Errorf("running proxy not ready: %d", code)
	}
	st.identityReady = func() bool { return false }
	if code, _ := st.readyHandlerCode(); code != http.StatusServiceUnavailable {
		t.Errorf("ready without a certificate: %d", code)
	}

	// a taken port: an error when asked for, skipped for the defaults
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	busy := statusServers{host: "127.0.0.1", statsPort: taken.Addr().(*net.TCPAddr).Port, p: p, log: slog.New(slog.DiscardHandler)}
	if srvs, _, err := busy.listen(); err != nil || len(srvs) != 0 {
		t.Errorf("default port taken: %v, %d servers", err, len(srvs))
	}
	busy.required = true
	if _, _, err := busy.listen(); err == nil {
		t.Error("a taken --stats-port was not an error")
	}
}

// readyHandlerCode runs the readiness handler once.
func (s statusServers) readyHandlerCode() (int, string) {
	rec := httptest.NewRecorder()
	s.readyHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz/ready", nil))
	return rec.Code, rec.Body.String()
}
