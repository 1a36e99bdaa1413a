package prom

import (
	"log/slog"
	"testing"

	"github.com/wasmesh/wasmesh/control/server"
	"github.com/wasmesh/wasmesh/test/fixture"
)

// startMeshd runs meshd with an empty config directory on loopback and
// returns its monitoring address (metrics at /metrics).
func startMeshd(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s, err := server.New(server.Config{ConfigDir: dir, DataDir: t.TempDir(), XDSAddr: "127.0.0.1:0", MonitorAddr: "127.0.0.1:0",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	fixture.Go(t, "meshd", s.Run)
	return s.MonitorAddr()
}
