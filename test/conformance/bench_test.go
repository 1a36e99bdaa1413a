//go:build unix

package conformance

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/conformance/dual"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/host"
)

var benchHeaders = []abi.Pair{{Key: ":method", Value: "GET"}, {Key: ":path", Value: "/productpage"},
	{Key: ":authority", Value: "bookinfo"}, {Key: "user-agent", Value: "bench/1.0"}, {Key: "accept", Value: "*/*"}}

// BenchmarkSDKFilterRequestHeaders measures one request through a filter
// built with the SDK on the real host: stream open, request headers (the
// guest reads 3 headers and adds 1), stream done. Issue 2's goal for the
// headers callback is 3 µs.
func BenchmarkSDKFilterRequestHeaders(b *testing.B) {
	module := dual.Build(b, "benchfilter")
	ctx := context.Background()
	h, err := host.New(ctx, host.Config{CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close(ctx)
	p, err := h.Load(ctx, host.PluginConfig{Name: "bench", RootID: "bench", VMID: "bench", Module: module, PoolSize: 1})
	if err != nil {
		b.Fatal(err)
	}
	hdrs := make(host.Headers, 0, len(benchHeaders)+1)
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		s := p.NewHTTPStream(nil, host.StreamCallbacks{})
		hdrs = append(hdrs[:0], benchHeaders...)
		r := s.OnRequestHeaders(&hdrs, true)
		if r.Err != nil || len(hdrs) != len(benchHeaders)+1 {
			b.Fatalf("result %+v, headers %v", r, hdrs)
		}
		s.Done()
	}
}

// BenchmarkSDKFilterRequestHeadersOnly is the same filter with one stream
// reused, isolating the headers callback from stream open and close.
func BenchmarkSDKFilterRequestHeadersOnly(b *testing.B) {
	module := dual.Build(b, "benchfilter")
	ctx := context.Background()
	h, err := host.New(ctx, host.Config{CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close(ctx)
	p, err := h.Load(ctx, host.PluginConfig{Name: "bench", RootID: "bench", VMID: "bench", Module: module, PoolSize: 1})
	if err != nil {
		b.Fatal(err)
	}
	s := p.NewHTTPStream(nil, host.StreamCallbacks{})
	defer s.Done()
	hdrs := make(host.Headers, 0, len(benchHeaders)+1)
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		hdrs = append(hdrs[:0], benchHeaders...)
		if r := s.OnRequestHeaders(&hdrs, true); r.Err != nil {
			b.Fatal(r.Err)
		}
	}
}

// reportCPU adds a cpu-ns/op metric: the process's CPU time per iteration,
// which unlike ns/op does not grow when other work on a shared machine takes
// the cores away.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
