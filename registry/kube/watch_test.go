package kube_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/registry"
	regkube "github.com/wasmesh/wasmesh/registry/kube"
	"github.com/wasmesh/wasmesh/test/kube/kubetest"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

func ptr[T any](v T) *T { return &v }

// startWatcher runs a watcher until the test ends and waits for its first view.
func startWatcher(tb testing.TB, c *kubetest.Cluster) *regkube.Watcher {
	tb.Helper()
	w := regkube.NewWatcher(c.Client, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Error(err)
		}
	})
	select {
	case <-w.Synced():
	case <-time.After(time.Minute):
		tb.Fatal("watcher did not sync")
	}
	return w
}

// await waits until cond holds for the watcher's view.
func await(tb testing.TB, w *regkube.Watcher, what string, cond func(*regkube.View) bool) {
	tb.Helper()
	ch, cancel := w.Subscribe()
	defer cancel()
	deadline := time.After(30 * time.Second)
	for !cond(w.View()) {
		select {
		case <-ch:
		case <-deadline:
			tb.Fatalf("timed out waiting for %s; services %+v", what, w.View().Services())
		}
	}
}

// setup creates a node, a pod on it, a Service and its EndpointSlice.
func setup(tb testing.TB, c *kubetest.Cluster, ns string) *discoveryv1.EndpointSlice {
	tb.Helper()
	ctx := context.Background()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-" + ns, Labels: map[string]string{regkube.LabelRegion: "eu", regkube.LabelZone: "eu-1"}}}
	if _, err := c.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		tb.Fatal(err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "reviews", Namespace: ns}}
	if _, err := c.Client.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		tb.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "reviews-1", Namespace: ns, Labels: map[string]string{"app": "reviews", "version": "v1"}},
		Spec:       corev1.PodSpec{NodeName: node.Name, ServiceAccountName: "reviews", Containers: []corev1.Container{{Name: "app", Image: "app", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 9080}}}}},
	}
	created, err := c.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	// No kubelet runs: report the pod running as one would.
	created.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.1.0.1", PodIPs: []corev1.PodIP{{IP: "10.1.0.1"}}}
	if _, err := c.Client.CoreV1().Pods(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		tb.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "reviews", Namespace: ns},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "reviews"}, Ports: []corev1.ServicePort{{Name: "http", Port: 9080}}},
	}
	if _, err := c.Client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		tb.Fatal(err)
	}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "reviews-1", Namespace: ns, Labels: map[string]string{discoveryv1.LabelServiceName: "reviews"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: ptr("http"), Port: ptr(int32(9080))}},
		Endpoints: []discoveryv1.Endpoint{{
			Addresses: []string{"10.1.0.1"}, NodeName: ptr(node.Name),
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "reviews-1", Namespace: ns},
		}},
	}
	out, err := c.Client.DiscoveryV1().EndpointSlices(ns).Create(ctx, slice, metav1.CreateOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestWatcherFollowsServicesSlicesPods(t *testing.T) {
	c := kubetest.Get(t)
	ns := c.Namespace(t, "reg", nil)
	w := startWatcher(t, c)
	slice := setup(t, c, ns)
	host := "reviews." + ns + ".svc.cluster.local"
	await(t, w, "the service's endpoint", func(v *regkube.View) bool { return len(v.Endpoints(host, 9080)) == 1 })
	v := w.View()
	svc, _ := v.Service(host)
	if len(svc.Addresses) != 1 || svc.Ports[0].Number != 9080 || svc.Ports[0].Protocol != "HTTP" {
		t.Fatalf("service = %+v", svc)
	}
	ep := v.Endpoints(host, 9080)[0]
	if ep.Address != "10.1.0.1" || ep.ServiceAccount != "reviews" || ep.Locality != "eu/eu-1" || ep.Labels["version"] != "v1" || ep.Workload != "reviews-1" {
		t.Fatalf("endpoint = %+v", ep)
	}
	var found bool
	for _, wl := range v.Workloads() {
		if wl.Namespace == ns && wl.Name == "reviews-1" && wl.Address == "10.1.0.1" && wl.ServiceAccount == "reviews" {
			found = true
		}
	}
	if !found {
		t.Fatalf("pod not among workloads: %+v", v.Workloads())
	}

	// Merged into the mesh's registry, whose subscribers (Pilot) hear of it.
	reg := registry.New(registry.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	regCh, stopReg := reg.Subscribe()
	defer stopReg()
	feedCtx, stopFeed := context.WithCancel(context.Background())
	fed := make(chan struct{})
	go func() { w.Feed(feedCtx, reg); close(fed) }()
	defer func() { stopFeed(); <-fed }()
	select {
	case <-regCh:
	case <-time.After(10 * time.Second):
		t.Fatal("the registry announced no change")
	}
	if eps := reg.Endpoints(host, 9080); len(eps) != 1 || eps[0].ServiceAccount != "reviews" {
		t.Fatalf("registry endpoints of %s = %+v", host, eps)
	}

	// The endpoint becomes not ready, then the service goes away.
	slice.Endpoints[0].Conditions.Ready = ptr(false)
	if _, err := c.Client.DiscoveryV1().EndpointSlices(ns).Update(context.Background(), slice, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	await(t, w, "the endpoint to leave", func(v *regkube.View) bool { return len(v.Endpoints(host, 9080)) == 0 })
	if err := c.Client.CoreV1().Services(ns).Delete(context.Background(), "reviews", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	await(t, w, "the service to leave", func(v *regkube.View) bool { _, ok := v.Service(host); return !ok })
	deadline := time.Now().Add(10 * time.Second)
	for len(reg.Endpoints(host, 9080)) != 0 || hasService(reg.Services(), host) {
		if time.Now().After(deadline) {
			t.Fatal("the registry still has the deleted service")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkWatchToView measures the time from sending an EndpointSlice
// update to the API server to the watcher's view showing it (the write's
// round trip, etcd, the watch event and one rebuild of the view).
func BenchmarkWatchToView(b *testing.B) {
	c := kubetest.Get(b)
	ns := c.Namespace(b, "bench", nil)
	w := startWatcher(b, c)
	slice := setup(b, c, ns)
	host := "reviews." + ns + ".svc.cluster.local"
	await(b, w, "the first endpoint", func(v *regkube.View) bool { return len(v.Endpoints(host, 9080)) == 1 })
	ctx := context.Background()
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		addr := fmt.Sprintf("10.2.%d.%d", (i/250)%250, i%250+1)
		slice.Endpoints[0].Addresses = []string{addr}
		start := time.Now()
		updated, err := c.Client.DiscoveryV1().EndpointSlices(ns).Update(ctx, slice, metav1.UpdateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		slice = updated
		await(b, w, addr, func(v *regkube.View) bool {
			eps := v.Endpoints(host, 9080)
			return len(eps) == 1 && eps[0].Address == addr
		})
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

func hasService(svcs []registry.Service, host string) bool {
	for _, s := range svcs {
		if s.Hostname == host {
			return true
		}
	}
	return false
}

// BenchmarkWatchToRegistry is BenchmarkWatchToView continued into the
// mesh's registry.Registry through Feed: until the registry, which Pilot
// subscribes to, serves the new endpoint.
func BenchmarkWatchToRegistry(b *testing.B) {
	c := kubetest.Get(b)
	ns := c.Namespace(b, "benchreg", nil)
	w := startWatcher(b, c)
	reg := registry.New(registry.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	fed := make(chan struct{})
	go func() { w.Feed(ctx, reg); close(fed) }()
	defer func() { cancel(); <-fed }()
	slice := setup(b, c, ns)
	host := "reviews." + ns + ".svc.cluster.local"
	ch, stop := reg.Subscribe()
	defer stop()
	awaitReg := func(addr string) {
		deadline := time.After(30 * time.Second)
		for {
			if eps := reg.Endpoints(host, 9080); len(eps) == 1 && eps[0].Address == addr {
				return
			}
			select {
			case <-ch:
			case <-deadline:
				b.Fatalf("registry never served %s", addr)
			}
		}
	}
	awaitReg("10.1.0.1")
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		addr := fmt.Sprintf("10.3.%d.%d", (i/250)%250, i%250+1)
		slice.Endpoints[0].Addresses = []string{addr}
		start := time.Now()
		updated, err := c.Client.DiscoveryV1().EndpointSlices(ns).Update(context.Background(), slice, metav1.UpdateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		slice = updated
		awaitReg(addr)
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}
