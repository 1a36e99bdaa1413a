package kubestore

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/wasmesh/wasmesh/control/api"
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

// Store watches every config kind through the API server.
type Store struct {
	dyn dynamic.Interface
	log *slog.Logger

	mu      sync.RWMutex
	configs map[api.Key]api.Config
	subs    map[chan struct{}]struct{}
	synced  chan struct{}
}

// New returns a store using the API server of cfg. Call Run to start it.
func New(cfg *rest.Config, log *slog.Logger) (*Store, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubestore: %w", err)
	}
	return &Store{dyn: dyn, log: log, configs: map[api.Key]api.Config{}, subs: map[chan struct{}]struct{}{}, synced: make(chan struct{})}, nil
}

// Resource returns the API resource of a kind in its canonical version.
func Resource(k api.KindInfo) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: k.GVK.Group, Version: k.GVK.Version, Resource: k.Plural}
}

// Run watches every kind until ctx ends. Synced is closed once every
// informer has listed its kind.
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
	close(s.synced)
	s.notify()
	<-ctx.Done()
	return nil
}

// Synced is closed when the first full list of every kind is in the store.
func (s *Store) Synced() <-chan struct{} { return s.synced }

func (s *Store) upsert(obj any) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	raw, err := u.MarshalJSON()
	if err != nil {
		s.log.Warn("kubestore: cannot encode object", "kind", u.GetKind(), "namespace", u.GetNamespace(), "name", u.GetName(), "err", err)
		return
	}
	c, err := Decode(raw)
	if err != nil {
		s.log.Warn("kubestore: invalid config ignored, last valid version kept", "kind", u.GetKind(), "namespace", u.GetNamespace(), "name", u.GetName(), "err", err)
		return
	}
	s.mu.Lock()
	s.configs[c.Key()] = c
	s.mu.Unlock()
	s.notify()
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
	delete(s.configs, api.Key{Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName()})
	s.mu.Unlock()
	s.notify()
}

// Configs returns every valid config, sorted by kind, namespace and name.
// The configs are shared: do not modify them.
func (s *Store) Configs() []api.Config {
	s.mu.RLock()
	out := make([]api.Config, 0, len(s.configs))
	for _, c := range s.configs {
		out = append(out, c)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Key(), out[j].Key()
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return out
}

// Get returns one config.
func (s *Store) Get(k api.Key) (api.Config, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.configs[k]
	return c, ok
}

// Subscribe returns a channel that receives a value after every change
// (changes in a burst coalesce into one), and a function ending the
// subscription. Read Configs after each receive.
func (s *Store) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}
}

func (s *Store) notify() {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for ch := range s.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Apply validates c like the webhook does and writes it with server-side
// apply, creating or replacing the resource.
func (s *Store) Apply(ctx context.Context, c api.Config) error {
	k, ok := api.LookupKind(c.Kind)
	if !ok {
		return fmt.Errorf("kubestore: unknown kind %q", c.Kind)
	}
	if c.Metadata.Namespace == "" {
		c.Metadata.Namespace = "default"
	}
	c.Metadata.ResourceVersion = ""
	c.APIVersion = k.GVK.APIVersion()
	raw, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("kubestore: %w", err)
	}
	if _, err := Decode(raw); err != nil {
		return err
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(raw); err != nil {
		return fmt.Errorf("kubestore: %w", err)
	}
	_, err = s.dyn.Resource(Resource(k)).Namespace(c.Metadata.Namespace).Apply(ctx, c.Metadata.Name, u, metav1.ApplyOptions{FieldManager: FieldManager, Force: true})
	if err != nil {
		return fmt.Errorf("kubestore: apply %s: %w", c.Key(), err)
	}
	return nil
}

// Delete removes a config; deleting one that does not exist is not an error.
func (s *Store) Delete(ctx context.Context, key api.Key) error {
	k, ok := api.LookupKind(key.Kind)
	if !ok {
		return fmt.Errorf("kubestore: unknown kind %q", key.Kind)
	}
	err := s.dyn.Resource(Resource(k)).Namespace(key.Namespace).Delete(ctx, key.Name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("kubestore: delete %s: %w", key, err)
	}
	return nil
}

// List returns the valid configs of one kind, sorted by namespace and name
// (registry.ConfigSource).
func (s *Store) List(kind string) []api.Config {
	var out []api.Config
	for _, c := range s.Configs() {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}
