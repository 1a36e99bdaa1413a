package ui

import (
	"fmt"
	"testing"
	"time"
)

// meshText is the metrics text of a mesh of n caller workloads each calling
// 5 services answered by 3 versions, as both sides report it.
func meshText(n, scale int) string {
	var ss []series
	for c := range n {
		for svc := range 5 {
			for v := range 3 {
				for _, rep := range []string{"source", "destination"} {
					ss = append(ss, series{reporter: rep, src: fmt.Sprintf("caller-%d", c), dstSvc: fmt.Sprintf("svc-%d.bookinfo.svc.cluster.local", svc),
						dst: fmt.Sprintf("svc-%d-v%d", svc, v), code: 200, count: 100 * scale, buckets: map[float64]int{10: 90 * scale, 50: 10 * scale}})
				}
			}
		}
	}
	return promText(ss...)
}

// BenchmarkParseText parses what 20 callers' and 15 servers' sidecars
// expose: 600 request series and their histograms.
func BenchmarkParseText(b *testing.B) {
	text := meshText(20, 1)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := ParseText(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildGraph builds the topology of the same mesh from two scrapes.
func BenchmarkBuildGraph(b *testing.B) {
	prevSamples, _ := ParseText(meshText(20, 1))
	curSamples, _ := ParseText(meshText(20, 2))
	t0 := time.Unix(1700000000, 0)
	prev, cur := &Snapshot{At: t0, Samples: prevSamples}, &Snapshot{At: t0.Add(5 * time.Second), Samples: curSamples}
	for b.Loop() {
		if g := BuildGraph(prev, cur); len(g.Edges) != 20*5+5*3 {
			b.Fatalf("%d edges", len(g.Edges))
		}
	}
}
