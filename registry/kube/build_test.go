package kube

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ptr[T any](v T) *T { return &v }

func testInput() Input {
	meta := func(ns, name string, labels map[string]string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}
	}
	pod := func(name, ip, node, sa string, phase corev1.PodPhase, labels map[string]string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: meta("shop", name, labels),
			Spec: corev1.PodSpec{NodeName: node, ServiceAccountName: sa, Containers: []corev1.Container{{
				Name: "app", Ports: []corev1.ContainerPort{{Name: "http-web", ContainerPort: 9080}, {Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP}},
			}}},
			Status: corev1.PodStatus{PodIP: ip, Phase: phase},
		}
	}
	return Input{
		Nodes: []*corev1.Node{
			{ObjectMeta: meta("", "n1", map[string]string{LabelRegion: "eu", LabelZone: "eu-1"})},
			{ObjectMeta: meta("", "n2", nil)},
		},
		Pods: []*corev1.Pod{
			pod("reviews-v1-x", "10.0.0.1", "n1", "bookinfo-reviews", corev1.PodRunning, map[string]string{"app": "reviews", "version": "v1"}),
			pod("reviews-v2-y", "10.0.0.2", "n2", "", corev1.PodRunning, map[string]string{"app": "reviews", "version": "v2"}),
			pod("pending", "", "n1", "", corev1.PodPending, nil),
			pod("done", "10.0.0.9", "n1", "", corev1.PodSucceeded, nil),
		},
		Services: []*corev1.Service{
			{ObjectMeta: meta("shop", "reviews", map[string]string{"app": "reviews"}), Spec: corev1.ServiceSpec{
				ClusterIPs: []string{"10.96.0.10"},
				Ports: []corev1.ServicePort{
					{Name: "http", Port: 9080},
					{Name: "metrics", Port: 9090, AppProtocol: ptr("http")},
					{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP},
				},
			}},
			{ObjectMeta: meta("shop", "ext", nil), Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "example.com"}},
			{ObjectMeta: meta("shop", "headless", nil), Spec: corev1.ServiceSpec{ClusterIPs: []string{"None"}, Ports: []corev1.ServicePort{{Name: "grpc-api", Port: 7000}}}},
		},
		EndpointSlices: []*discoveryv1.EndpointSlice{{
			ObjectMeta:  meta("shop", "reviews-abc", map[string]string{discoveryv1.LabelServiceName: "reviews"}),
			AddressType: discoveryv1.AddressTypeIPv4,
			Ports:       []discoveryv1.EndpointPort{{Name: ptr("http"), Port: ptr(int32(9080))}},
			Endpoints: []discoveryv1.Endpoint{
				{Addresses: []string{"10.0.0.2"}, NodeName: ptr("n2"), Zone: ptr("z2"), TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "reviews-v2-y"}},
				{Addresses: []string{"10.0.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr(true)}, NodeName: ptr("n1"), TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "reviews-v1-x", Namespace: "shop"}},
				{Addresses: []string{"10.0.0.3"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr(false)}},
			},
		}},
	}
}

func TestBuild(t *testing.T) {
	v := Build(testInput())
	wantServices := []registry.Service{
		{Hostname: "headless.shop.svc.cluster.local", Namespace: "shop", Resolution: api.ResolutionStatic, Ports: []registry.Port{{Name: "grpc-api", Number: 7000, Protocol: api.ProtocolGRPC}}, Source: "Service shop/headless"},
		{Hostname: "reviews.shop.svc.cluster.local", Namespace: "shop", Addresses: []string{"10.96.0.10"}, Resolution: api.ResolutionStatic,
			Ports:  []registry.Port{{Name: "http", Number: 9080, Protocol: api.ProtocolHTTP}, {Name: "metrics", Number: 9090, Protocol: api.ProtocolHTTP}},
			Labels: map[string]string{"app": "reviews"}, Source: "Service shop/reviews"},
	}
	if d := cmp.Diff(wantServices, v.Services()); d != "" {
		t.Errorf("services (-want +got):\n%s", d)
	}
	wantEndpoints := []registry.Endpoint{
		{Address: "10.0.0.1", Port: 9080, Labels: map[string]string{"app": "reviews", "version": "v1"}, ServiceAccount: "bookinfo-reviews", Namespace: "shop", Locality: "eu/eu-1", Workload: "reviews-v1-x"},
		{Address: "10.0.0.2", Port: 9080, Labels: map[string]string{"app": "reviews", "version": "v2"}, ServiceAccount: "default", Namespace: "shop", Locality: "/z2", Workload: "reviews-v2-y"},
	}
	if d := cmp.Diff(wantEndpoints, v.Endpoints("reviews.shop.svc.cluster.local", 9080)); d != "" {
		t.Errorf("endpoints (-want +got):\n%s", d)
	}
	if eps := v.Endpoints("reviews.shop.svc.cluster.local", 9090); len(eps) != 0 {
		t.Errorf("port without slice port has endpoints %v", eps)
	}
	var names []string
	for _, w := range v.Workloads() {
		names = append(names, w.Name)
	}
	if d := cmp.Diff([]string{"reviews-v1-x", "reviews-v2-y"}, names); d != "" {
		t.Errorf("workloads (-want +got):\n%s", d)
	}
	w := v.Workloads()[0]
	if w.ServiceAccount != "bookinfo-reviews" || w.Locality != "eu/eu-1" || w.Address != "10.0.0.1" || len(w.Ports) != 1 || w.Ports[0].Protocol != api.ProtocolHTTP {
		t.Errorf("workload = %+v", w)
	}
	if _, ok := v.Service("ext.shop.svc.cluster.local"); ok {
		t.Error("ExternalName service is in the view")
	}
	if s, ok := v.Service("reviews.shop.svc.cluster.local"); !ok || s.Addresses[0] != "10.96.0.10" {
		t.Errorf("Service(reviews) = %+v, %v", s, ok)
	}
}

func TestBuildDomainSuffix(t *testing.T) {
	v := Build(Input{DomainSuffix: "corp.example", Services: testInput().Services})
	if _, ok := v.Service("reviews.shop.svc.corp.example"); !ok {
		t.Fatalf("services = %+v", v.Services())
	}
}
