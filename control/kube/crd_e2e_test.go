package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config"
	"github.com/wasmesh/wasmesh/control/config/kubestore"
	"github.com/wasmesh/wasmesh/test/kube/kubetest"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
)

// TestCRDSchemasKeepEveryField stores every document of control/config's
// golden inputs (which together set every field of every kind) through the
// generated CRDs with strict field validation, reads them back and decodes
// them: nothing may be refused, pruned or changed.
func TestCRDSchemasKeepEveryField(t *testing.T) {
	c := kubetest.Get(t)
	var crds []*unstructured.Unstructured
	for _, crd := range CRDs() {
		u, err := ToUnstructured(crd)
		if err != nil {
			t.Fatal(err)
		}
		crds = append(crds, u)
	}
	applyAll(t, c, crds...)
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, file := range []string{"kinds.in.yaml", "allfields.in.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "config", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		cfgs, err := config.DecodeFile(file, data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		ns := c.Namespace(t, "schema", nil)
		kinds := map[string]bool{}
		for _, cfg := range cfgs {
			kinds[cfg.Kind] = true
			cfg.Metadata.Namespace = ns
			cfg.Metadata.ResourceVersion = ""
			u, err := toObject(cfg)
			if err != nil {
				t.Fatal(err)
			}
			info, _ := api.LookupKind(cfg.Kind)
			r := dyn.Resource(kubestore.Resource(info)).Namespace(ns)
			if _, err := r.Create(ctx, u, metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict}); err != nil {
				t.Errorf("%s: create %s: %v", file, cfg.Key(), err)
				continue
			}
			back, err := r.Get(ctx, cfg.Metadata.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(back.Object["spec"])
			if err != nil {
				t.Fatal(err)
			}
			got := info.NewSpec()
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(got); err != nil {
				t.Errorf("%s: %s read back does not decode: %v", file, cfg.Key(), err)
				continue
			}
			// Compare with what was sent after the same JSON trip (free-form
			// numbers become float64).
			sent, err := json.Marshal(cfg.Spec)
			if err != nil {
				t.Fatal(err)
			}
			want := info.NewSpec()
			if err := json.Unmarshal(sent, want); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s: %s changed through the API server (-sent +stored):\n%s", file, cfg.Key(), d)
			}
		}
		t.Logf("%s: %d configs of %d kinds stored and read back", file, len(cfgs), len(kinds))
	}
}

func toObject(c api.Config) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	raw, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return u, u.UnmarshalJSON(raw)
}
