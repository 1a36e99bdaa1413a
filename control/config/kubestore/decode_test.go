package kubestore

import (
	"errors"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config"
)

const serverVS = `{"apiVersion":"networking.istio.io/v1alpha3","kind":"VirtualService",
 "metadata":{"name":"r","namespace":"shop","uid":"u","resourceVersion":"42","generation":3,"managedFields":[{"manager":"kubectl"}],"labels":{"a":"b"}},
 "spec":{"hosts":["reviews"],"http":[{"route":[{"destination":{"host":"reviews"}}]}]},
 "status":{"observedGeneration":3}}`

func TestDecodeKeepsWhatWasmeshUses(t *testing.T) {
	c, err := Decode([]byte(serverVS))
	if err != nil {
		t.Fatal(err)
	}
	if c.Key() != (api.Key{Kind: api.KindVirtualService, Namespace: "shop", Name: "r"}) || c.Metadata.ResourceVersion != "42" || c.Metadata.Labels["a"] != "b" {
		t.Fatalf("config = %+v", c)
	}
	if vs := c.Spec.(*api.VirtualService); vs.Hosts[0] != "reviews" {
		t.Fatalf("spec = %+v", vs)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{`, "kubestore: object is not a Kubernetes object"},
		{`{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"r"}}`, "spec: required"},
		{strings.Replace(serverVS, `"hosts"`, `"hostz"`, 1), `spec.hostz: unknown field "hostz"`},
		{`null`, "no apiVersion or kind"},
		{`{"apiVersion":"policy.wasmesh.io/v1alpha1","kind":"Policy","metadata":{"name":"p"},"spec":{"files":["authz.rego"]}}`, "spec.files: Rego files cannot be read from Kubernetes"},
		{`{"apiVersion":"networking.istio.io/v1","kind":"Nope","metadata":{"name":"r"},"spec":{}}`, `unknown kind "Nope"`},
	} {
		_, err := Decode([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Decode(%.40s) = %v, want %q", c.in, err, c.want)
		}
		var list config.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				if e.File != "" || e.Line != 0 {
					t.Errorf("error %q has a file or line", e)
				}
			}
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(serverVS))
	f.Add([]byte(`{"apiVersion":"security.istio.io/v1","kind":"AuthorizationPolicy","metadata":{"name":"a"},"spec":{"action":"DENY"}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Decode(b)
		if err == nil && (c.Spec == nil || c.Metadata.Namespace == "") {
			t.Fatalf("accepted config without spec or namespace: %+v", c)
		}
	})
}
