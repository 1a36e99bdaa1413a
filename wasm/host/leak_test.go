package host

import (
	"context"
	"log/slog"
	"testing"

	"go.uber.org/goleak"
)

// TestCloseLeavesNoGoroutines: instance loops, tickers and the runtime's
// watchdog all end with Host.Close.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h, err := New(context.Background(), Config{Logger: slog.New(slog.DiscardHandler), HTTPCalls: &fakeDispatcher{}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := h.Load(context.Background(), PluginConfig{Name: "conf", VMID: "leak", Module: goGuest(t, "conformance"),
		Configuration: []byte("tick"), PoolSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, r, s := request(t, p, "queue")
	s.Done()
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
