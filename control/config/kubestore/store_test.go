package kubestore_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config/kubestore"
	"github.com/wasmesh/wasmesh/control/kube"
	"github.com/wasmesh/wasmesh/test/kube/kubetest"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

func installCRDs(t *testing.T, c *kubetest.Cluster) {
	t.Helper()
	a, err := kube.NewApplier(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	var objs []*unstructured.Unstructured
	for _, crd := range kube.CRDs() {
		u, err := kube.ToUnstructured(crd)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, u)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := a.Apply(ctx, objs); err != nil {
		t.Fatal(err)
	}
}

// waitFor waits until cond holds on the store's configs, re-checking after every change.
func waitFor(t *testing.T, s *kubestore.Store, what string, cond func([]api.Config) bool) {
	t.Helper()
	ch, cancel := s.Subscribe()
	defer cancel()
	deadline := time.After(30 * time.Second)
	for !cond(s.Configs()) {
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; configs: %+v", what, s.Configs())
		}
	}
}

func TestStoreFollowsTheAPIServer(t *testing.T) {
	c := kubetest.Get(t)
	installCRDs(t, c)
	ns := c.Namespace(t, "store", nil)
	s, err := kubestore.New(c.Config, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-s.Synced():
	case <-time.After(time.Minute):
		t.Fatal("store did not sync")
	}

	// Apply through the store.
	vs, _ := api.NewConfig(api.KindVirtualService, ns, "reviews")
	vs.Spec.(*api.VirtualService).Hosts = []string{"reviews"}
	vs.Spec.(*api.VirtualService).HTTP = []api.HTTPRoute{{Route: []api.HTTPRouteDestination{{Destination: api.Destination{Host: "reviews", Subset: "v1"}}}}}
	if err := s.Apply(ctx, vs); err != nil {
		t.Fatal(err)
	}
	key := vs.Key()
	waitFor(t, s, "the applied VirtualService", func([]api.Config) bool {
		got, ok := s.Get(key)
		return ok && got.Spec.(*api.VirtualService).HTTP[0].Route[0].Destination.Subset == "v1"
	})

	// An invalid config is refused by Apply, before the API server.
	bad := vs
	bad.Spec = &api.VirtualService{Hosts: []string{"reviews"}, HTTP: []api.HTTPRoute{{Route: []api.HTTPRouteDestination{{Destination: api.Destination{Host: "reviews"}, Weight: 140}}}}}
	if err := s.Apply(ctx, bad); err == nil {
		t.Fatal("Apply accepted weight 140")
	}

	// Written by someone else in an alias version, then updated invalidly
	// (no webhook runs in this test): the last valid version is kept.
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	dr := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "networking.istio.io/v1alpha3", "kind": "DestinationRule",
		"metadata": map[string]any{"name": "reviews", "namespace": ns},
		"spec":     map[string]any{"host": "reviews", "subsets": []any{map[string]any{"name": "v1", "labels": map[string]any{"version": "v1"}}}},
	}}
	drs := dyn.Resource(schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1alpha3", Resource: "destinationrules"}).Namespace(ns)
	created, err := drs.Create(ctx, dr, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	drKey := api.Key{Kind: api.KindDestinationRule, Namespace: ns, Name: "reviews"}
	waitFor(t, s, "the DestinationRule", func([]api.Config) bool { _, ok := s.Get(drKey); return ok })
	unstructured.SetNestedField(created.Object, "", "spec", "host")
	if _, err := drs.Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	vs2 := vs
	vs2.Metadata.Name = "marker"
	if err := s.Apply(ctx, vs2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "the marker", func([]api.Config) bool { _, ok := s.Get(vs2.Key()); return ok })
	if got, _ := s.Get(drKey); got.Spec.(*api.DestinationRule).Host != "reviews" {
		t.Fatalf("invalid update replaced the last valid DestinationRule: %+v", got.Spec)
	}

	// Delete.
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "the deletion", func([]api.Config) bool { _, ok := s.Get(key); return !ok })
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
}
