package kube

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wasmesh/wasmesh/control/api"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Fatalf("%s differs (-want +got; go test -update rewrites it):\n%s", path, d)
	}
}

func TestCRDsGolden(t *testing.T) {
	var buf bytes.Buffer
	for _, crd := range CRDs() {
		b, err := yaml.Marshal(crd)
		if err != nil {
			t.Fatal(err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	golden(t, "crds.golden.yaml", buf.Bytes())
}

func TestCRDsCoverEveryKindWithItsVersions(t *testing.T) {
	crds := CRDs()
	if len(crds) != len(api.Kinds()) {
		t.Fatalf("%d CRDs for %d kinds", len(crds), len(api.Kinds()))
	}
	for i, k := range api.Kinds() {
		c := crds[i]
		if c.Spec.Names.Kind != k.GVK.Kind || c.Spec.Group != k.GVK.Group || c.Name != k.Plural+"."+k.GVK.Group {
			t.Errorf("CRD %d = %s %s, want %s", i, c.Name, c.Spec.Names.Kind, k.GVK)
		}
		var stored []string
		served := map[string]bool{}
		for _, v := range c.Spec.Versions {
			served[v.Name] = v.Served
			if v.Storage {
				stored = append(stored, v.Name)
			}
		}
		if !reflect.DeepEqual(stored, []string{k.GVK.Version}) {
			t.Errorf("%s stores %v, want [%s]", k.GVK.Kind, stored, k.GVK.Version)
		}
		for _, v := range append([]string{k.GVK.Version}, k.AliasVersions...) {
			if !served[v] {
				t.Errorf("%s does not serve %s", k.GVK.Kind, v)
			}
		}
	}
}

func TestSchemaFollowsGoTypes(t *testing.T) {
	type inner struct {
		N uint32 `json:"n"`
	}
	type embedded struct {
		E string `json:"e"`
	}
	type self struct {
		Next *self `json:"next,omitempty"`
	}
	type sample struct {
		embedded
		S       string            `json:"s,omitempty"`
		Skip    string            `json:"-"`
		D       *api.Duration     `json:"d,omitempty"`
		P       api.Protocol      `json:"p,omitempty"`
		L       []inner           `json:"l,omitempty"`
		M       map[string]string `json:"m,omitempty"`
		Free    map[string]any    `json:"free,omitempty"`
		Rec     self              `json:"rec"`
		F       float64           `json:"f"`
		B       bool              `json:"b"`
		private int
	}
	s := Schema(reflect.TypeFor[sample]())
	got := map[string]string{}
	for name, p := range s.Properties {
		got[name] = p.Type
	}
	want := map[string]string{"e": "string", "s": "string", "d": "string", "p": "string", "l": "array", "m": "object", "free": "object", "rec": "object", "f": "number", "b": "boolean"}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("property types (-want +got):\n%s", d)
	}
	if n := s.Properties["l"].Items.Schema.Properties["n"]; n.Type != "integer" || n.Minimum == nil || *n.Minimum != 0 {
		t.Errorf("uint32 = %+v, want non-negative integer", n)
	}
	if len(s.Properties["p"].Enum) != len(api.Protocol("").Values())+1 {
		t.Errorf("enum = %v, want \"\" plus %v", s.Properties["p"].Enum, api.Protocol("").Values())
	}
	if f := s.Properties["free"].AdditionalProperties.Schema; f.XPreserveUnknownFields == nil || !*f.XPreserveUnknownFields || f.Type != "" {
		t.Errorf("map[string]any values = %+v, want free-form", f)
	}
	if next := s.Properties["rec"].Properties["next"]; next.XPreserveUnknownFields == nil || len(next.Properties) != 0 {
		t.Errorf("recursive field = %+v, want cut with preserve-unknown-fields", next)
	}
	_ = sample{}.private
}
