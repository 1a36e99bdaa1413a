package prom

import (
	"context"
	"log/slog"
	"testing"

	"github.com/wasmesh/wasmesh/control/server"
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
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("meshd: %v", err)
		}
	})
	return s.MonitorAddr()
}
