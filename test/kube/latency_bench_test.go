package kube_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wasmesh/wasmesh/control/pilot/xds/xdstest"
	"github.com/wasmesh/wasmesh/test/fixture"
	"github.com/wasmesh/wasmesh/test/kube/kubetest"
)

// BenchmarkEndpointSliceToProxyACK measures one endpoint change from the
// API write (an EndpointSlice update moving the endpoint to a new address)
// until a simulated proxy connected to meshd (Kubernetes mode, in this
// process) has accepted, and so ACKed, the EDS update carrying it: the
// write, the watch, the registry, Pilot's debounce, translation and the
// ADS push. Reports p50/p90/p99 in milliseconds.
func BenchmarkEndpointSliceToProxyACK(b *testing.B) {
	for _, debounce := range []time.Duration{0, 10 * time.Millisecond} {
		name := "debounce=default-100ms"
		if debounce > 0 {
			name = "debounce=" + debounce.String()
		}
		b.Run(name, func(b *testing.B) { benchEndpointToACK(b, debounce) })
	}
}

func benchEndpointToACK(b *testing.B, debounce time.Duration) {
	c := kubetest.Get(b)
	ctx := context.Background()
	whAddr := fixture.FreeAddr(b)
	meshNS := installMesh(b, c, whAddr)
	ns := c.Namespace(b, "eds", nil)
	es := createReviews(b, c, ns, "10.30.0.1")
	s := runMeshd(b, c, asMeshd(c, meshNS), meshNS, whAddr, "", debounce)
	p, err := xdstest.Start(xdstest.Options{Address: s.XDSAddr(), Node: sidecarNode(b, ns, "ratings-1", "ratings")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	hasAddress := func(ip string) func(*xdstest.Proxy) bool {
		want := `"address":"` + ip + `"`
		return func(p *xdstest.Proxy) bool { return strings.Contains(reviewsEndpoints(p, ns), want) }
	}
	waitProxy(b, p, "the first endpoint", hasAddress("10.30.0.1"))
	var took []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ip := fmt.Sprintf("10.31.%d.%d", i/250, i%250+1)
		es.Endpoints[0].Addresses = []string{ip}
		start := time.Now()
		if es, err = c.Client.DiscoveryV1().EndpointSlices(ns).Update(ctx, es, metav1.UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := p.Wait(wctx, hasAddress(ip))
		cancel()
		if err != nil {
			b.Fatalf("update %d (%s) not acked: %v", i, ip, err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	for _, q := range []struct {
		name string
		f    float64
	}{{"p50-ms", 0.50}, {"p90-ms", 0.90}, {"p99-ms", 0.99}} {
		b.ReportMetric(float64(took[int(q.f*float64(len(took)-1))].Microseconds())/1000, q.name)
	}
}
