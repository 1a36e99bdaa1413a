package kube

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// Watcher keeps a View of the cluster current with informers on Services,
// EndpointSlices, Pods and Nodes.
type Watcher struct {
	client       kubernetes.Interface
	domainSuffix string
	log          *slog.Logger

	dirty chan struct{}

	mu     sync.RWMutex
	view   *View
	subs   map[chan struct{}]struct{}
	synced chan struct{}
}

// NewWatcher returns a watcher; call Run to start it.
func NewWatcher(client kubernetes.Interface, domainSuffix string, log *slog.Logger) *Watcher {
	return &Watcher{
		client: client, domainSuffix: domainSuffix, log: log,
		dirty: make(chan struct{}, 1), view: Build(Input{DomainSuffix: domainSuffix}),
		subs: map[chan struct{}]struct{}{}, synced: make(chan struct{}),
	}
}

// Run watches until ctx ends. Each burst of changes rebuilds the view once.
func (w *Watcher) Run(ctx context.Context) error {
	f := informers.NewSharedInformerFactory(w.client, 0)
	svcs := f.Core().V1().Services()
	slices := f.Discovery().V1().EndpointSlices()
	pods := f.Core().V1().Pods()
	nodes := f.Core().V1().Nodes()
	mark := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { w.markDirty() },
		UpdateFunc: func(any, any) { w.markDirty() },
		DeleteFunc: func(any) { w.markDirty() },
	}
	var syncs []cache.InformerSynced
	for _, inf := range []cache.SharedIndexInformer{svcs.Informer(), slices.Informer(), pods.Informer(), nodes.Informer()} {
		if _, err := inf.AddEventHandler(mark); err != nil {
			return fmt.Errorf("registry/kube: %w", err)
		}
		syncs = append(syncs, inf.HasSynced)
	}
	f.Start(ctx.Done())
	defer f.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), syncs...) {
		return fmt.Errorf("registry/kube: informers did not sync: %w", ctx.Err())
	}
	rebuild := func() error {
		var in Input
		var err error
		in.DomainSuffix = w.domainSuffix
		if in.Services, err = svcs.Lister().List(labels.Everything()); err != nil {
			return err
		}
		if in.EndpointSlices, err = slices.Lister().List(labels.Everything()); err != nil {
			return err
		}
		if in.Pods, err = pods.Lister().List(labels.Everything()); err != nil {
			return err
		}
		if in.Nodes, err = nodes.Lister().List(labels.Everything()); err != nil {
			return err
		}
		v := Build(in)
		w.mu.Lock()
		w.view = v
		for ch := range w.subs {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
		w.mu.Unlock()
		return nil
	}
	if err := rebuild(); err != nil {
		return fmt.Errorf("registry/kube: %w", err)
	}
	close(w.synced)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.dirty:
			if err := rebuild(); err != nil {
				w.log.Warn("registry/kube: rebuild failed", "err", err)
			}
		}
	}
}

func (w *Watcher) markDirty() {
	select {
	case w.dirty <- struct{}{}:
	default:
	}
}

// Synced is closed after the first view built from complete lists.
func (w *Watcher) Synced() <-chan struct{} { return w.synced }

// View returns the current view.
func (w *Watcher) View() *View {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.view
}

// Subscribe returns a channel receiving a value after each new view (views
// in a burst coalesce) and a function ending the subscription.
func (w *Watcher) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	w.subs[ch] = struct{}{}
	w.mu.Unlock()
	return ch, func() {
		w.mu.Lock()
		delete(w.subs, ch)
		w.mu.Unlock()
	}
}
