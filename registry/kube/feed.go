package kube

import (
	"context"

	"github.com/wasmesh/wasmesh/registry"
)

var _ registry.SourceView = (*View)(nil)

// SourceName is the name the cluster's view is merged under in a
// registry.Registry.
const SourceName = "kubernetes"

// Feed merges the watcher's view into r (registry.Registry.SetSource) now
// and after every change, until ctx ends; Pilot then sees the cluster's
// services through r's change events.
func (w *Watcher) Feed(ctx context.Context, r *registry.Registry) {
	ch, stop := w.Subscribe()
	defer stop()
	r.SetSource(SourceName, w.View())
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			r.SetSource(SourceName, w.View())
		}
	}
}
