package conformance

import (
	"context"
	"testing"

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
	h, err := host.New(ctx, host.Config{CacheDir: cacheDir(b)})
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
	h, err := host.New(ctx, host.Config{CacheDir: cacheDir(b)})
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
	for b.Loop() {
		hdrs = append(hdrs[:0], benchHeaders...)
		if r := s.OnRequestHeaders(&hdrs, true); r.Err != nil {
			b.Fatal(r.Err)
		}
	}
}

func cacheDir(b *testing.B) string {
	return b.TempDir()
}
