package pilot

import (
	"testing"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
)

// TestUnavailableModules: a plugin whose module meshd cannot serve yet is
// left out when it fails open, and becomes a deny-all RBAC filter in its
// place when it fails closed (Istio's behaviour). An OCI plugin whose
// sha256 is the image digest uses the module meshd pulled and checked.
func TestUnavailableModules(t *testing.T) {
	const module = "0000000000000000000000000000000000000000000000000000000000000001"
	wp := func(name, url, sha string, fs api.FailStrategy) api.Config {
		return api.Config{APIVersion: "extensions.istio.io/v1alpha1", Kind: api.KindWasmPlugin, Metadata: api.ObjectMeta{Name: name, Namespace: "shop"},
			Spec: &api.WasmPlugin{URL: url, SHA256: sha, FailStrategy: fs}}
	}
	ix := NewIndex(Inputs{
		// a service, so that the proxy has HTTP listeners using the filters
		Services: []registry.Service{{Hostname: "web.shop.svc.cluster.local", Namespace: "shop", Resolution: api.ResolutionStatic,
			Ports: []registry.Port{{Name: "http", Number: 80, Protocol: api.ProtocolHTTP}}}},
		Configs: []api.Config{
			wp("open", "oci://registry.example.com/open:v1", "", api.FailOpen),
			wp("closed", "oci://registry.example.com/closed:v1", "", ""),
			wp("pulled", "oci://registry.example.com/pulled:v1", "sha256:1111111111111111111111111111111111111111111111111111111111111111", ""),
		},
		Modules: map[string]string{"oci://registry.example.com/pulled:v1": module},
		Mesh:    MeshConfig{ModuleBaseURL: "http://127.0.0.1:15014/modules/"},
	})
	ir, res, err := Generate(ix, Node{Type: SidecarProxy, Namespace: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, x := range res.Extensions {
		got[x.GetName()] = x.GetTypedConfig().GetTypeUrl()
	}
	want := map[string]string{"shop.closed": rbacTypeURL, "shop.pulled": wasmTypeURL}
	if len(got) != len(want) || got["shop.closed"] != want["shop.closed"] || got["shop.pulled"] != want["shop.pulled"] {
		t.Errorf("extensions %v, want %v (warnings %q)", got, want, ir.Warnings)
	}
	for _, f := range ir.Filters {
		if f.Name == "shop.pulled" && f.SHA256 != module {
			t.Errorf("pulled plugin sha256 %s, want the stored module's", f.SHA256)
		}
	}
}
