package inject

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden .out.yaml files")

func TestManifestGolden(t *testing.T) {
	ins, _ := filepath.Glob("testdata/*.in.yaml")
	if len(ins) == 0 {
		t.Fatal("no testdata/*.in.yaml")
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.yaml")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, results, err := Manifest(src, DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			var summary bytes.Buffer
			for _, r := range results {
				summary.WriteString("# " + r.Kind + " " + r.Name + ": inject=" + map[bool]string{true: "yes", false: "no"}[r.Decision.Inject] + " (" + r.Decision.Reason + ")\n")
			}
			got = append(summary.Bytes(), got...)
			golden := strings.TrimSuffix(in, ".in.yaml") + ".out.yaml"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (go test -update to accept):\n%s", golden, got)
			}

			// Injecting the output again changes nothing.
			again, _, err := Manifest(got, DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			once, _, _ := Manifest(src, DefaultConfig())
			if !bytes.Equal(again, once) {
				t.Errorf("injection is not idempotent:\n%s", again)
			}
		})
	}
}

func TestManifestErrors(t *testing.T) {
	pod := func(ann, probe string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {" + ann + "}\nspec:\n  containers:\n  - name: app\n    image: x\n" + probe
	}
	cases := map[string]struct{ in, want string }{
		"bad port":      {pod(`traffic.sidecar.istio.io/excludeInboundPorts: "80,http"`, ""), `annotation traffic.sidecar.istio.io/excludeInboundPorts: "http" is not a port (1-65535)`},
		"port range":    {pod(`traffic.sidecar.istio.io/includeOutboundPorts: "70000"`, ""), `"70000" is not a port (1-65535)`},
		"bad cidr":      {pod(`traffic.sidecar.istio.io/excludeOutboundIPRanges: "10.0.0.0/33"`, ""), `"10.0.0.0/33" is not a CIDR range`},
		"bad quantity":  {pod(`sidecar.istio.io/proxyMemory: "lots"`, ""), `annotation sidecar.istio.io/proxyMemory: "lots" is not a Kubernetes quantity`},
		"probe port":    {pod("", "    livenessProbe: {httpGet: {path: /, port: web}}\n"), `container "app" livenessProbe: port name "web" is not one of the container's ports []`},
		"no containers": {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n", `Pod "p" has no containers`},
		"not yaml":      {"kind: [", "document 1"},
		"no template":   {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {}\n", "has no pod template"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := Manifest([]byte(c.in), DefaultConfig())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	pod := func(labels, ann map[string]any) object {
		return object{"metadata": map[string]any{"labels": labels, "annotations": ann}, "spec": map[string]any{}}
	}
	enabled := map[string]string{KeyNamespaceInject: "enabled"}
	cfg := DefaultConfig()
	cases := []struct {
		name string
		pod  object
		t    Target
		cfg  Config
		want bool
	}{
		{"namespace enabled", pod(nil, nil), Target{NamespaceLabels: enabled}, cfg, true},
		{"namespace unlabeled", pod(nil, nil), Target{}, cfg, false},
		{"namespace disabled", pod(nil, nil), Target{NamespaceLabels: map[string]string{KeyNamespaceInject: "disabled"}}, cfg, false},
		{"pod opts out", pod(nil, map[string]any{KeyInject: "false"}), Target{NamespaceLabels: enabled}, cfg, false},
		{"label beats annotation", pod(map[string]any{KeyInject: "true"}, map[string]any{KeyInject: "false"}), Target{}, cfg, true},
		{"pod opts in, policy disabled", pod(nil, map[string]any{KeyInject: "yes"}), Target{}, Config{DefaultPolicy: PolicyDisabled}, true},
		{"policy disabled", pod(nil, nil), Target{NamespaceLabels: enabled}, Config{DefaultPolicy: PolicyDisabled}, false},
		{"manual", pod(nil, nil), Target{Manual: true}, cfg, true},
		{"manual opt-out", pod(nil, map[string]any{KeyInject: "off"}), Target{Manual: true}, cfg, false},
		{"already injected", pod(nil, map[string]any{KeyStatus: "{}"}), Target{Manual: true}, cfg, false},
		{"host network", object{"spec": map[string]any{"hostNetwork": true}}, Target{Manual: true}, cfg, false},
		{"not a boolean", pod(nil, map[string]any{KeyInject: "maybe"}), Target{Manual: true}, cfg, false},
	}
	for _, c := range cases {
		if got := Decide(c.pod, c.t, c.cfg); got.Inject != c.want || got.Reason == "" {
			t.Errorf("%s: got %+v, want inject=%v with a reason", c.name, got, c.want)
		}
	}
}

func TestPodPatch(t *testing.T) {
	in := []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"shop","labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"x","ports":[{"containerPort":8080}]}]}}`)
	ops, d, err := Pod(in, Workload{Kind: "Deployment", Name: "web", Namespace: "shop"}, Target{NamespaceLabels: map[string]string{KeyNamespaceInject: "enabled"}}, DefaultConfig())
	if err != nil || !d.Inject {
		t.Fatalf("ops=%v d=%v err=%v", ops, d, err)
	}
	paths := map[string]any{}
	for _, op := range ops {
		if op.Op != "add" {
			t.Errorf("op %q", op.Op)
		}
		paths[op.Path] = op.Value
	}
	containers, _ := json.Marshal(paths["/spec/containers"])
	if !strings.Contains(string(containers), `"name":"meshproxy"`) || !strings.Contains(string(containers), `"name":"web"`) {
		t.Errorf("containers patch: %s", containers)
	}
	ann, _ := json.Marshal(paths["/metadata/annotations"])
	if !strings.Contains(string(ann), KeyStatus) {
		t.Errorf("annotations patch lacks status: %s", ann)
	}
	ops, d, err = Pod(in, Workload{}, Target{}, DefaultConfig())
	if err != nil || d.Inject || ops != nil {
		t.Errorf("unlabeled namespace: ops=%v d=%v err=%v", ops, d, err)
	}
	if _, _, err := Pod([]byte("[1]"), Workload{}, Target{}, DefaultConfig()); err == nil {
		t.Error("a JSON array was accepted as a pod")
	}
}

func FuzzManifest(f *testing.F) {
	for _, name := range []string{"testdata/deployment.in.yaml", "testdata/multi.in.yaml"} {
		b, _ := os.ReadFile(name)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, _, err := Manifest(in, DefaultConfig())
		if err != nil {
			return
		}
		again, _, err := Manifest(out, DefaultConfig())
		if err != nil {
			t.Fatalf("output does not re-parse: %v\n%s", err, out)
		}
		if !bytes.Equal(again, out) {
			// A second pass must be a no-op on content already injected.
			t.Fatalf("not idempotent:\n%s\n---vs---\n%s", out, again)
		}
	})
}
