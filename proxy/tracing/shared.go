package tracing

import (
	"context"
	"errors"
	"sync"
)

// The proxy rebuilds HTTP handlers on every route or listener change; tracers
// (each with an exporter and its connection) are shared by key instead.
var shared struct {
	mu sync.Mutex
	m  map[any]*Tracer
}

// Shared returns the tracer for key, creating it from cfg on first use. key
// must be comparable and identify cfg (and whatever cfg.Dial reaches).
func Shared(key any, cfg Config) (*Tracer, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if t := shared.m[key]; t != nil {
		return t, nil
	}
	t, err := New(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	if shared.m == nil {
		shared.m = map[any]*Tracer{}
	}
	shared.m[key] = t
	return t, nil
}

// ShutdownShared flushes and stops every shared tracer (at proxy exit).
func ShutdownShared(ctx context.Context) error {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	var errs []error
	for k, t := range shared.m {
		errs = append(errs, t.Shutdown(ctx))
		delete(shared.m, k)
	}
	return errors.Join(errs...)
}
