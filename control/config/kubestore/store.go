package kubestore

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// FieldManager is the server-side apply field manager of Apply.
const FieldManager = "meshd"

// Options tune a Store.
type Options struct {
	// Timeout bounds each API call of Apply and Delete, and how long Apply
	// waits to see its write in the store; 30s when zero.
	Timeout time.Duration
}

// Store serves the config resources of a cluster with the interface of
// dirstore.Store: Current, Status, Subscribe, Apply, Delete, Run.
type Store struct {
	dyn     dynamic.Interface
	log     *slog.Logger
	timeout time.Duration

	mu      sync.Mutex
	objects map[api.Key]object // the last valid version of every resource
	current *config.Snapshot
	status  config.Status
	subs    map[chan *config.Snapshot]struct{}
	synced  chan struct{}
	isSync  bool
}

// object is a decoded resource and the API server's resourceVersion of it.
type object struct {
	cfg api.Config
	rv  string
}

// New returns a store using the API server of cfg. Call Run to start it;
// until it has synced, Current is empty.
func New(cfg *rest.Config, log *slog.Logger, opts Options) (*Store, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubestore: %w", err)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	empty, _ := config.NewSnapshot(nil, nil)
	return &Store{
		dyn: dyn, log: log, timeout: opts.Timeout,
		objects: map[api.Key]object{}, current: empty,
		status: config.Status{Version: empty.Version(), LoadedAt: time.Now()},
		subs:   map[chan *config.Snapshot]struct{}{}, synced: make(chan struct{}),
	}, nil
}

// Resource returns the API resource of a kind in its canonical version.
func Resource(k api.KindInfo) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: k.GVK.Group, Version: k.GVK.Version, Resource: k.Plural}
}

// Run watches every kind until ctx ends. Synced is closed, and the first
// snapshot published, once every informer has listed its kind.
func (s *Store) Run(ctx context.Context) error {
	f := dynamicinformer.NewDynamicSharedInformerFactory(s.dyn, 0)
	var syncs []cache.InformerSynced
	for _, k := range api.Kinds() {
		inf := f.ForResource(Resource(k)).Informer()
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    s.upsert,
			UpdateFunc: func(_, obj any) { s.upsert(obj) },
			DeleteFunc: s.remove,
		}); err != nil {
			return fmt.Errorf("kubestore: %s: %w", k.GVK.Kind, err)
		}
		syncs = append(syncs, inf.HasSynced)
	}
	f.Start(ctx.Done())
	defer f.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), syncs...) {
		return fmt.Errorf("kubestore: informers did not sync: %w", ctx.Err())
	}
	s.mu.Lock()
	s.isSync = true
	s.publishLocked()
	s.mu.Unlock()
	close(s.synced)
	<-ctx.Done()
	return nil
}

// Synced is closed when the first full list of every kind is in the store.
func (s *Store) Synced() <-chan struct{} { return s.synced }

// Current returns the snapshot in use.
func (s *Store) Current() *config.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// Status returns the state of the store; Err is the problem of the last
// invalid resource seen (its last valid version, if any, stays in use).
func (s *Store) Status() config.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Subscribe returns a channel receiving every new snapshot (only the latest
// one is kept when the reader is slow) and a function that ends the
// subscription.
func (s *Store) Subscribe() (<-chan *config.Snapshot, func()) {
	ch := make(chan *config.Snapshot, 1)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}
}

func (s *Store) upsert(obj any) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	raw, err := u.MarshalJSON()
	if err == nil {
		var c api.Config
		if c, err = Decode(raw); err == nil {
			s.mu.Lock()
			s.objects[c.Key()] = object{cfg: c, rv: u.GetResourceVersion()}
			s.publishLocked()
			s.mu.Unlock()
			return
		}
	}
	key := u.GetKind() + " " + u.GetNamespace() + "/" + u.GetName()
	s.log.Warn("kubestore: invalid config ignored, last valid version kept", "config", key, "err", err)
	s.mu.Lock()
	s.status.Err, s.status.ErrAt = fmt.Errorf("kubestore: %s: %w", key, err), time.Now()
	s.mu.Unlock()
}

func (s *Store) remove(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	s.mu.Lock()
	delete(s.objects, api.Key{Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName()})
	s.publishLocked()
	s.mu.Unlock()
}

// publishLocked builds a snapshot of the valid objects and hands it to the
// subscribers. Before the informers synced, nothing is published.
func (s *Store) publishLocked() {
	if !s.isSync {
		return
	}
	entries := make([]config.Entry, 0, len(s.objects))
	for _, o := range s.objects {
		entries = append(entries, config.Entry{Config: o.cfg})
	}
	snap, err := config.NewSnapshot(entries, nil)
	if err != nil { // cannot happen: keys are unique and specs decoded by kind
		s.log.Error("kubestore: snapshot", "err", err)
		return
	}
	if snap.Version() == s.current.Version() {
		return
	}
	s.current = snap
	s.status = config.Status{Version: snap.Version(), Configs: snap.Len(), LoadedAt: time.Now(), Err: s.status.Err, ErrAt: s.status.ErrAt}
	for ch := range s.subs {
		select {
		case <-ch:
		default:
		}
		ch <- snap
	}
}

// Apply validates c as the webhook does and writes it with server-side
// apply, creating or replacing the resource; then it waits until the store
// has seen the write and returns the stored config.
func (s *Store) Apply(c api.Config) (api.Config, error) {
	k, ok := api.LookupKind(c.Kind)
	if !ok {
		return api.Config{}, fmt.Errorf("kubestore: unknown kind %q", c.Kind)
	}
	if c.Metadata.Namespace == "" {
		c.Metadata.Namespace = "default"
	}
	c.Metadata.ResourceVersion = ""
	c.APIVersion = k.GVK.APIVersion()
	raw, err := json.Marshal(c)
	if err != nil {
		return api.Config{}, fmt.Errorf("kubestore: %w", err)
	}
	if _, err := Decode(raw); err != nil {
		return api.Config{}, err
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(raw); err != nil {
		return api.Config{}, fmt.Errorf("kubestore: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	out, err := s.dyn.Resource(Resource(k)).Namespace(c.Metadata.Namespace).Apply(ctx, c.Metadata.Name, u, metav1.ApplyOptions{FieldManager: FieldManager, Force: true})
	if err != nil {
		return api.Config{}, fmt.Errorf("kubestore: apply %s: %w", c.Key(), err)
	}
	return s.await(ctx, c.Key(), out.GetResourceVersion())
}

// await waits until the store holds key at resourceVersion rv or newer.
func (s *Store) await(ctx context.Context, key api.Key, rv string) (api.Config, error) {
	want, _ := strconv.ParseUint(rv, 10, 64)
	ch, stop := s.Subscribe()
	defer stop()
	// A write that changes nothing wasmesh uses publishes no snapshot: poll too.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		o, ok := s.objects[key]
		s.mu.Unlock()
		if ok {
			if have, _ := strconv.ParseUint(o.rv, 10, 64); o.rv == rv || have >= want {
				if c, found := s.Current().Get(key.Kind, key.Namespace, key.Name); found {
					return c, nil
				}
			}
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-ctx.Done():
			return api.Config{}, fmt.Errorf("kubestore: %s written but not seen by the store yet: %w", key, ctx.Err())
		}
	}
}

// Delete removes a config; config.ErrNotFound when there is none.
func (s *Store) Delete(kind, namespace, name string) error {
	k, ok := api.LookupKind(kind)
	if !ok {
		return fmt.Errorf("kubestore: unknown kind %q", kind)
	}
	key := api.Key{Kind: kind, Namespace: namespace, Name: name}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	err := s.dyn.Resource(Resource(k)).Namespace(namespace).Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("%w: %s", config.ErrNotFound, key)
	}
	if err != nil {
		return fmt.Errorf("kubestore: delete %s: %w", key, err)
	}
	return nil
}
