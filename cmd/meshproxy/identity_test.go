package main

import (
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/wasmesh/wasmesh/control/pilot"
)

func TestIdentityFromEnvironment(t *testing.T) {
	env := []string{"POD_NAME=web-7d9", "POD_NAMESPACE=shop", "INSTANCE_IP=10.1.2.3", "SERVICE_ACCOUNT=web-sa",
		"TRUST_DOMAIN=example.org", "ISTIO_META_CLUSTER_ID=c1", "ISTIO_META_WORKLOAD_NAME=web", "ISTIO_META_OWNER=kubernetes://x"}
	id, err := resolveIdentity(identityFlags{labels: "app=web,version=v2", ports: "8080"}, nil, env, "host")
	if err != nil {
		t.Fatal(err)
	}
	node := &corev3.Node{}
	if err := applyIdentity(node, id, "sidecar", "http://10.1.2.3:15020/stats/prometheus"); err != nil {
		t.Fatal(err)
	}
	if want := "sidecar~10.1.2.3~web-7d9.shop~shop.svc.cluster.local"; node.Id != want {
		t.Fatalf("id %q, want %q", node.Id, want)
	}
	if got, want := id.spiffeID(), "spiffe://example.org/ns/shop/sa/web-sa"; got != want {
		t.Fatalf("spiffe id %q, want %q", got, want)
	}
	// pilot reads it back as this workload
	n, err := pilot.ParseNode(node)
	if err != nil {
		t.Fatal(err)
	}
	if n.Name != "web-7d9" || n.Namespace != "shop" || n.ServiceAccount != "web-sa" || n.Workload != "web" ||
		n.Interception != "REDIRECT" || len(n.IPs) != 1 || n.IPs[0] != "10.1.2.3" || len(n.Ports) != 1 ||
		n.Labels["version"] != "v2" {
		t.Fatalf("pilot sees %+v", n)
	}
	want := map[string]string{"NAME": "web-7d9", "NAMESPACE": "shop", "SERVICE_ACCOUNT": "web-sa", "INSTANCE_IPS": "10.1.2.3",
		"WORKLOAD_NAME": "web", "INTERCEPTION_MODE": "REDIRECT", "CLUSTER_ID": "c1", "OWNER": "kubernetes://x",
		"METRICS_URL": "http://10.1.2.3:15020/stats/prometheus", "POD_PORTS": `[{"name":"http","containerPort":8080,"protocol":"TCP"}]`,
		"APP": "web", "VERSION": "v2", "CANONICAL_SERVICE": "web", "CANONICAL_REVISION": "v2"}
	if d := cmp.Diff(want, wasmMetadata(node)); d != "" {
		t.Fatalf("wasm metadata (-want +got):\n%s", d)
	}
}

func TestIdentityFlagsOverBootstrapOverDefaults(t *testing.T) {
	md, _ := structpb.NewStruct(map[string]any{"NAME": "boot", "NAMESPACE": "bootns", "LABELS": map[string]any{"app": "b"}})
	boot := &corev3.Node{Id: "given", Metadata: md}
	id, err := resolveIdentity(identityFlags{namespace: "flagns", service: "web"}, boot, nil, "host")
	if err != nil {
		t.Fatal(err)
	}
	if id.Pod != "boot" || id.Namespace != "flagns" || id.Labels["app"] != "b" || id.Interception != "NONE" ||
		id.IP != "127.0.0.1" || id.ServiceAccount != "default" || id.Service != "web" {
		t.Fatalf("identity %+v", id)
	}
	if err := applyIdentity(boot, id, "sidecar", ""); err != nil {
		t.Fatal(err)
	}
	if boot.Id != "given" {
		t.Fatalf("bootstrap id replaced: %q", boot.Id)
	}
}

func TestParsePorts(t *testing.T) {
	got, err := parsePorts("grpc:9090, http-admin:8081")
	if err != nil {
		t.Fatal(err)
	}
	want := []podPort{{"grpc", 9090, "TCP"}, {"http-admin", 8081, "TCP"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatal(d)
	}
	if got, _ := parsePorts("80,81"); len(got) != 2 || got[0].Name != "http-80" {
		t.Fatalf("bare ports: %+v", got)
	}
}

func TestIdentityErrors(t *testing.T) {
	for _, f := range []identityFlags{{labels: "app"}, {ports: "http"}, {ports: "70000"}, {ports: ":80"}, {ip: "nope"}, {interception: "MAGIC"}} {
		if _, err := resolveIdentity(f, nil, nil, "h"); err == nil {
			t.Errorf("%+v: no error", f)
		}
	}
}
