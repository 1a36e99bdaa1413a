package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/control/api"
)

func writeTo(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPolicyFiles(t *testing.T) {
	dir := t.TempDir()
	writeTo(t, dir, "p.yaml", "apiVersion: policy.wasmesh.io/v1alpha1\nkind: Policy\nmetadata: {name: p}\nspec:\n  files:\n  - authz.rego\n")
	_, err := LoadDir(dir)
	if err == nil || err.Error() != `p.yaml:6: spec.files[0]: file "authz.rego" not found in the config directory` {
		t.Fatalf("err = %v", err)
	}
	writeTo(t, dir, "authz.rego", "package wasmesh.authz\nallow := true\n")
	s1, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := s1.File("authz.rego"); !ok || !strings.Contains(string(b), "allow") {
		t.Fatal("rego file not in snapshot")
	}
	writeTo(t, dir, "authz.rego", "package wasmesh.authz\nallow := false\n")
	s2, _ := LoadDir(dir)
	if s1.Version() == s2.Version() {
		t.Fatal("changing a rego file did not change the version")
	}
}

func TestNewSnapshotChecksSpecType(t *testing.T) {
	c, _ := api.NewConfig(api.KindGateway, "default", "g")
	c.Spec = &api.VirtualService{}
	_, err := NewSnapshot([]Entry{{Config: c, Origin: Origin{File: "x.yaml", Line: 3}}}, nil)
	if err == nil || err.Error() != "x.yaml:3: spec: Gateway default/g: spec of type *api.VirtualService does not match the kind" {
		t.Fatalf("err = %v", err)
	}
}
