package kubestore_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config"
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

// waitFor waits until cond holds on the store's snapshot, re-checking after every new one.
func waitFor(t *testing.T, s *kubestore.Store, what string, cond func(*config.Snapshot) bool) {
	t.Helper()
	ch, cancel := s.Subscribe()
	defer cancel()
	deadline := time.After(30 * time.Second)
	for !cond(s.Current()) {
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; configs: %+v", what, s.Current().All())
		}
	}
}

func TestStoreFollowsTheAPIServer(t *testing.T) {
	c := kubetest.Get(t)
	installCRDs(t, c)
	ns := c.Namespace(t, "store", nil)
	s, err := kubestore.New(c.Config, slog.New(slog.NewTextHandler(io.Discard, nil)), kubestore.Options{})
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

	// Apply through the store: read-your-writes.
	vs, _ := api.NewConfig(api.KindVirtualService, ns, "reviews")
	vs.Spec.(*api.VirtualService).Hosts = []string{"reviews"}
	vs.Spec.(*api.VirtualService).HTTP = []api.HTTPRoute{{Route: []api.HTTPRouteDestination{{Destination: api.Destination{Host: "reviews", Subset: "v1"}}}}}
	stored, err := s.Apply(vs)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := s.Current().Get(api.KindVirtualService, ns, "reviews"); !ok || got.Spec.(*api.VirtualService).HTTP[0].Route[0].Destination.Subset != "v1" || got.Metadata.ResourceVersion != stored.Metadata.ResourceVersion {
		t.Fatalf("after Apply, Current has %+v (%v)", got, ok)
	}
	if _, err := s.Apply(vs); err != nil {
		t.Fatalf("applying the same config again: %v", err)
	}

	// An invalid config is refused by Apply, before the API server.
	bad := vs
	bad.Spec = &api.VirtualService{Hosts: []string{"reviews"}, HTTP: []api.HTTPRoute{{Route: []api.HTTPRouteDestination{{Destination: api.Destination{Host: "reviews"}, Weight: 140}}}}}
	if _, err := s.Apply(bad); !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("Apply of weight 140: %v, want config.ErrInvalid", err)
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
	waitFor(t, s, "the DestinationRule", func(snap *config.Snapshot) bool {
		_, ok := snap.Get(api.KindDestinationRule, ns, "reviews")
		return ok
	})
	unstructured.SetNestedField(created.Object, "", "spec", "host")
	if _, err := drs.Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.Status().Err == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s.Status().Err == nil {
		t.Fatal("the invalid update did not show in Status().Err")
	}
	if got, _ := s.Current().Get(api.KindDestinationRule, ns, "reviews"); got.Spec.(*api.DestinationRule).Host != "reviews" {
		t.Fatalf("invalid update replaced the last valid DestinationRule: %+v", got.Spec)
	}

	// A file as meshctl apply sends it to meshd's config API.
	file := "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: edge, namespace: " + ns + "}\n" +
		"spec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [\"*\"]\n"
	if got, err := s.ApplyFile("gw.yaml", []byte(file)); err != nil || len(got) != 1 {
		t.Fatalf("ApplyFile: %v, %v", got, err)
	}
	if _, ok := s.Current().Get(api.KindGateway, ns, "edge"); !ok {
		t.Fatal("applied Gateway not in the store")
	}
	if _, err := s.ApplyFile("bad.yaml", []byte("kind: Gateway\n")); !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("ApplyFile of a bad file: %v", err)
	}

	// Delete.
	if err := s.Delete(api.KindVirtualService, ns, "reviews"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "the deletion", func(snap *config.Snapshot) bool {
		_, ok := snap.Get(api.KindVirtualService, ns, "reviews")
		return !ok
	})
	if err := s.Delete(api.KindVirtualService, ns, "reviews"); !errors.Is(err, config.ErrNotFound) {
		t.Fatalf("deleting again: %v, want config.ErrNotFound", err)
	}
}
