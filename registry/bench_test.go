package registry

import (
	"fmt"
	"testing"

	"github.com/wasmesh/wasmesh/control/api"
)

// BenchmarkBuild1000 builds a view of 1000 implicit services with 2
// workloads each plus 100 ServiceEntries selecting workloads: the cost of
// one registry change at the scale-benchmark size.
func BenchmarkBuild1000(b *testing.B) {
	var in Input
	for i := 0; i < 1000; i++ {
		for j := 0; j < 2; j++ {
			in.Workloads = append(in.Workloads, Workload{
				Name: fmt.Sprintf("svc-%d-%d", i, j), Namespace: "default", Service: fmt.Sprintf("svc-%d", i),
				Address: fmt.Sprintf("127.0.%d.%d", i/250, i%250+j), Labels: map[string]string{"app": fmt.Sprintf("svc-%d", i)},
				Ports: []Port{{Name: "http", Number: 8080, Protocol: api.ProtocolHTTP}},
			})
		}
	}
	for i := 0; i < 100; i++ {
		in.ServiceEntries = append(in.ServiceEntries, se("default", fmt.Sprintf("se-%d", i), api.ServiceEntry{
			Hosts: []string{fmt.Sprintf("se-%d.example", i)}, Resolution: api.ResolutionStatic, Location: api.MeshInternal,
			Ports:            []api.ServicePort{{Number: 80, Name: "http", Protocol: api.ProtocolHTTP}},
			WorkloadSelector: &api.WorkloadSelector{Labels: map[string]string{"app": fmt.Sprintf("svc-%d", i)}},
		}))
	}
	b.ReportAllocs()
	for b.Loop() {
		v := Build(in)
		if len(v.Services()) != 1100 {
			b.Fatalf("services = %d", len(v.Services()))
		}
	}
}
