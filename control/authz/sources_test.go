package authz

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/control/config"
)

func TestSourcesCompileAndFilterConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("authz.rego", "package wasmesh.authz\n\ndefault allow := false\n\nallow if input.request.method == data.method\n")
	write("config.yaml", `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-frontend, namespace: shop}
spec:
  rules: [{from: [{source: {principals: ["cluster.local/ns/shop/sa/frontend"]}}]}]
---
apiVersion: policy.wasmesh.io/v1alpha1
kind: Policy
metadata: {name: methods, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  files: [authz.rego]
  data: {method: GET}
  failStrategy: FAIL_OPEN
---
apiVersion: policy.wasmesh.io/v1alpha1
kind: Policy
metadata: {name: web-only, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  rego: "package wasmesh.authz\nallow := true\n"
---
apiVersion: policy.wasmesh.io/v1alpha1
kind: Policy
metadata: {name: client-side, namespace: shop}
spec:
  rego: "package wasmesh.authz\nallow := true\n"
  match: [{mode: CLIENT}]
`)
	snap, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	srcs, problems, err := Sources(snap, Workload{Namespace: "shop", Labels: map[string]string{"app": "api"}, RootNamespace: "istio-system"})
	if err != nil || len(problems) != 0 {
		t.Fatalf("%v %v", err, problems)
	}
	if len(srcs) != 2 || srcs[1].Name != "shop/methods" || !srcs[1].FailOpen || string(srcs[1].Data) != `{"method":"GET"}` {
		t.Fatalf("sources %+v", srcs)
	}
	if srcs[0].Entrypoint != Entrypoint || len(srcs[0].Modules) != 1 {
		t.Errorf("authorization policy source %+v", srcs[0])
	}
	c := NewCompiler()
	ctx := context.Background()
	p, err := c.Compile(ctx, srcs[1])
	if err != nil {
		t.Fatal(err)
	}
	again, _ := c.Compile(ctx, srcs[1])
	if again != p {
		t.Error("same source compiled twice")
	}
	cfg, err := FilterConfig(srcs[1], p, "http://meshd:15014/modules/"+p.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Policy, Entrypoint string
		FailOpen           bool
		Module             struct {
			URL, SHA256 string
			Fields      struct{ Paths [][]string }
			Data        map[string]any
		}
	}
	if err := json.Unmarshal(cfg, &got); err != nil {
		t.Fatal(err)
	}
	if got.Policy != "shop/methods" || !got.FailOpen || got.Module.SHA256 != p.SHA256 || got.Module.Data["method"] != "GET" ||
		len(got.Module.Fields.Paths) != 1 || got.Module.Fields.Paths[0][1] != "method" {
		t.Errorf("filter config %s", cfg)
	}
	// A broken Rego file is reported with its file and line.
	write("authz.rego", "package wasmesh.authz\n\nallow if {\n")
	snap2, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	srcs, _, _ = Sources(snap2, Workload{Namespace: "shop", Labels: map[string]string{"app": "api"}})
	if _, err := c.Compile(ctx, srcs[1]); err == nil {
		t.Error("broken rego compiled")
	} else if want := "authz.rego:"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}
}
