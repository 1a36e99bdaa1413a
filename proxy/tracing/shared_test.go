package tracing

import (
	"context"
	"testing"
)

func TestShared(t *testing.T) {
	_, addr := startCollector(t)
	cfg := Config{Endpoint: addr, SamplingPercent: 10}
	a, err := Shared("k1", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := Shared("k1", cfg); b != a {
		t.Error("same key built a second tracer")
	}
	if c, _ := Shared("k2", cfg); c == a {
		t.Error("another key shares the tracer")
	}
	if _, err := Shared("bad", Config{}); err == nil {
		t.Error("invalid config accepted")
	}
	if err := ShutdownShared(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d, _ := Shared("k1", cfg); d == a {
		t.Error("tracer survived ShutdownShared")
	}
	_ = ShutdownShared(context.Background())
}
