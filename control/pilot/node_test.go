package pilot

import (
	"errors"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
)

func mustStruct(t testing.TB, m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseNode(t *testing.T) {
	n, err := ParseNode(&corev3.Node{Id: "sidecar~10.0.0.1~web-1.shop~shop.svc.cluster.local", Metadata: mustStruct(t, map[string]any{
		"SERVICE_ACCOUNT": "web", "LABELS": map[string]any{"app": "web"}, "SERVICE": "web",
		"POD_PORTS": `[{"name":"http-api","containerPort":8080},{"name":"metrics","containerPort":9090,"protocol":"TCP"},{"containerPort":53,"protocol":"UDP"}]`,
	})})
	if err != nil {
		t.Fatal(err)
	}
	want := Node{ID: "sidecar~10.0.0.1~web-1.shop~shop.svc.cluster.local", Type: SidecarProxy, Name: "web-1", Namespace: "shop",
		Labels: map[string]string{"app": "web"}, ServiceAccount: "web", IPs: []string{"10.0.0.1"}, Workload: "web-1", Service: "web",
		Ports:        []registry.Port{{Name: "http-api", Number: 8080, Protocol: api.ProtocolHTTP}, {Name: "metrics", Number: 9090, Protocol: api.ProtocolTCP}},
		Interception: "REDIRECT", MetricsURL: "http://10.0.0.1:15020/stats/prometheus"}
	if d := cmp.Diff(want, n); d != "" {
		t.Errorf("ParseNode (-want +got):\n%s", d)
	}
	w, ok := n.RegistryWorkload()
	if !ok || w.Address != "10.0.0.1" || w.Service != "web" || w.Source != "proxy" {
		t.Errorf("RegistryWorkload = %+v, %v", w, ok)
	}
}

func TestParseNodeErrors(t *testing.T) {
	cases := map[string]*corev3.Node{
		"empty id":     {},
		"bad type":     {Id: "waypoint~1.2.3.4~a.b~c"},
		"labels":       {Id: "x", Metadata: mustStruct(t, map[string]any{"LABELS": "app=web"})},
		"label value":  {Id: "x", Metadata: mustStruct(t, map[string]any{"LABELS": map[string]any{"n": 1}})},
		"namespace":    {Id: "x", Metadata: mustStruct(t, map[string]any{"NAMESPACE": true})},
		"pod ports":    {Id: "x", Metadata: mustStruct(t, map[string]any{"POD_PORTS": "[{"})},
		"port range":   {Id: "x", Metadata: mustStruct(t, map[string]any{"POD_PORTS": `[{"containerPort":70000}]`})},
		"interception": {Id: "x", Metadata: mustStruct(t, map[string]any{"INTERCEPTION_MODE": "MAGIC"})},
	}
	for name, n := range cases {
		if _, err := ParseNode(n); !errors.Is(err, ErrBadNode) {
			t.Errorf("%s: err = %v, want ErrBadNode", name, err)
		}
	}
}

func FuzzParseNode(f *testing.F) {
	seed := &corev3.Node{Id: "sidecar~10.0.0.1~web-1.shop~shop.svc.cluster.local", Metadata: mustStruct(f, map[string]any{
		"LABELS": map[string]any{"app": "web"}, "INSTANCE_IPS": "10.0.0.1,10.0.0.2",
		"POD_PORTS": `[{"name":"http","containerPort":8080}]`})}
	b, err := proto.Marshal(seed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var n corev3.Node
		if proto.Unmarshal(data, &n) != nil {
			return
		}
		got, err := ParseNode(&n)
		if err != nil {
			if !errors.Is(err, ErrBadNode) {
				t.Fatalf("error not wrapping ErrBadNode: %v", err)
			}
			return
		}
		if got.ID == "" || got.Namespace == "" || len(got.Ports) > maxPorts || len(got.IPs) > maxIPs {
			t.Fatalf("bad result %+v", got)
		}
	})
}
