package kube

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BenchmarkBuild1000Services rebuilds a view of 1000 services with 3 pods
// each: the work the watcher does once per burst of changes.
func BenchmarkBuild1000Services(b *testing.B) {
	var in Input
	in.Nodes = []*corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "n", Labels: map[string]string{LabelRegion: "r", LabelZone: "z"}}}}
	for s := range 1000 {
		name := fmt.Sprintf("svc-%d", s)
		in.Services = append(in.Services, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name},
			Spec:       corev1.ServiceSpec{ClusterIPs: []string{fmt.Sprintf("10.96.%d.%d", s/250, s%250)}, Ports: []corev1.ServicePort{{Name: "http", Port: 80}}},
		})
		slice := &discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Namespace: "ns", Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: name}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Ports:       []discoveryv1.EndpointPort{{Name: ptr("http"), Port: ptr(int32(8080))}},
		}
		for p := range 3 {
			pod := fmt.Sprintf("%s-%d", name, p)
			ip := fmt.Sprintf("10.%d.%d.%d", p+1, s/250, s%250)
			in.Pods = append(in.Pods, &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: pod, Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{NodeName: "n", Containers: []corev1.Container{{Name: "app", Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}}},
				Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip},
			})
			slice.Endpoints = append(slice.Endpoints, discoveryv1.Endpoint{Addresses: []string{ip}, NodeName: ptr("n"), TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: pod}})
		}
		in.EndpointSlices = append(in.EndpointSlices, slice)
	}
	b.ReportAllocs()
	for b.Loop() {
		if v := Build(in); len(v.services) != 1000 {
			b.Fatal(len(v.services))
		}
	}
}
