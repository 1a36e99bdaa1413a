package host

import (
	"context"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/runtime"
)

const emptyWAT = `(module
  (memory (export "memory") 1)
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0)))`

func loadBench(b *testing.B, h *Host, name string, mod []byte) *Plugin {
	b.Helper()
	p, err := h.Load(context.Background(), PluginConfig{Name: name, VMID: name, Module: mod, PoolSize: 1})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkEmptyCallback: one proxy_on_request_headers round trip into a
// guest that returns at once, through the HTTPStream API (lock, context,
// deadline bookkeeping, wazero call with termination checks).
func BenchmarkEmptyCallback(b *testing.B) {
	b.Run("deadlines", func(b *testing.B) { benchEmptyCallback(b, Config{}) })
	b.Run("no-deadlines", func(b *testing.B) { benchEmptyCallback(b, Config{NoDeadlines: true}) })
}

func benchEmptyCallback(b *testing.B, cfg Config) {
	h, _ := newTestHost(b, cfg)
	p := loadBench(b, h, "empty", watGuest(b, "empty", emptyWAT))
	s := p.NewHTTPStream(nil, StreamCallbacks{})
	defer s.Done()
	hd := Headers{{Key: ":path", Value: "/"}}
	b.ReportAllocs()
	for b.Loop() {
		if r := s.OnRequestHeaders(&hd, true); r.Err != nil {
			b.Fatal(r.Err)
		}
	}
}

// BenchmarkEmptyCallbackRaw: the same guest call straight through
// runtime.Instance.Call, without the host's stream layer.
func BenchmarkEmptyCallbackRaw(b *testing.B) {
	h, _ := newTestHost(b, Config{})
	p := loadBench(b, h, "empty", watGuest(b, "empty", emptyWAT))
	in := p.pool.slots[0].inst
	fn := in.fns[cbRequestHeaders]
	var st [3]uint64
	b.ReportAllocs()
	for b.Loop() {
		st = [3]uint64{2, 1, 1}
		if err := in.rt.Call(fn, time.Second, st[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFilterRequest: a whole request through a Go filter that reads 3
// headers and adds 1: stream open (context_create), request headers, done
// (on_done/on_log/on_delete).
func BenchmarkFilterRequest(b *testing.B) {
	for _, mode := range []struct {
		name string
		cfg  Config
	}{{"deadlines", Config{}}, {"no-deadlines", Config{NoDeadlines: true}}} {
		b.Run(mode.name, func(b *testing.B) { benchFilterRequest(b, mode.cfg) })
	}
}

func benchFilterRequest(b *testing.B, cfg Config) {
	h, _ := newTestHost(b, cfg)
	p := loadBench(b, h, "bench", goGuest(b, "bench"))
	b.ReportAllocs()
	for b.Loop() {
		hd := Headers{{Key: ":path", Value: "/"}, {Key: ":authority", Value: "a"}, {Key: "user-agent", Value: "b"}}
		s := p.NewHTTPStream(nil, StreamCallbacks{})
		r := s.OnRequestHeaders(&hd, true)
		s.Done()
		if r.Err != nil || len(hd) != 4 {
			b.Fatal(r.Err, hd)
		}
	}
}

// BenchmarkFilterHeaders: only the request-headers callback of that filter.
func BenchmarkFilterHeaders(b *testing.B) {
	h, _ := newTestHost(b, Config{})
	p := loadBench(b, h, "bench", goGuest(b, "bench"))
	s := p.NewHTTPStream(nil, StreamCallbacks{})
	defer s.Done()
	base := Headers{{Key: ":path", Value: "/"}, {Key: ":authority", Value: "a"}, {Key: "user-agent", Value: "b"}}
	hd := make(Headers, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		hd = append(hd[:0], base...)
		if r := s.OnRequestHeaders(&hd, true); r.Err != nil || len(hd) != 4 {
			b.Fatal(r.Err)
		}
	}
}

// BenchmarkInstantiate: an instance of the compiled Go filter module
// (wazero instantiation only, no _initialize).
func BenchmarkInstantiate(b *testing.B) {
	h, _ := newTestHost(b, Config{})
	p := loadBench(b, h, "bench", goGuest(b, "bench"))
	ctx := context.Background()
	for b.Loop() {
		in, err := h.rt.Instantiate(ctx, p.compiled, runtime.InstanceConfig{MemoryLimitPages: DefaultMemoryLimitPages})
		if err != nil {
			b.Fatal(err)
		}
		_ = in.Close(ctx)
	}
}

// BenchmarkNewInstance: a ready instance of the Go filter: instantiate, Go
// runtime _initialize, root context, vm_start, configure.
func BenchmarkNewInstance(b *testing.B) {
	h, _ := newTestHost(b, Config{})
	p := loadBench(b, h, "bench", goGuest(b, "bench"))
	ctx := context.Background()
	for b.Loop() {
		in, err := p.newInstance(ctx)
		if err != nil {
			b.Fatal(err)
		}
		_ = in.close(ctx)
	}
}

// BenchmarkCachedLoad: compiling the ~3 MB conformance Go module in a fresh
// runtime whose on-disk compilation cache already holds it.
func BenchmarkCachedLoad(b *testing.B) {
	mod := goGuest(b, "conformance")
	dir := b.TempDir()
	ctx := context.Background()
	warm, err := runtime.New(ctx, runtime.Config{CacheDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := warm.Compile(ctx, mod, ""); err != nil {
		b.Fatal(err)
	}
	_ = warm.Close(ctx)
	b.ReportMetric(float64(len(mod))/1e6, "module-MB")
	for b.Loop() {
		rt, err := runtime.New(ctx, runtime.Config{CacheDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rt.Compile(ctx, mod, ""); err != nil {
			b.Fatal(err)
		}
		_ = rt.Close(ctx)
	}
}

// BenchmarkInstanceMemory reports the memory of one ready instance of the Go
// filter: its linear memory and the host heap it holds.
func BenchmarkInstanceMemory(b *testing.B) {
	h, _ := newTestHost(b, Config{})
	p := loadBench(b, h, "bench", goGuest(b, "bench"))
	ctx := context.Background()
	const n = 16
	var linear, heap float64
	for b.Loop() {
		var before, after goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&before)
		ins := make([]*instance, n)
		for i := range ins {
			in, err := p.newInstance(ctx)
			if err != nil {
				b.Fatal(err)
			}
			ins[i] = in
		}
		goruntime.GC()
		goruntime.ReadMemStats(&after)
		linear = float64(ins[0].mem.Size())
		heap = float64(after.HeapAlloc-before.HeapAlloc) / n
		for _, in := range ins {
			_ = in.close(ctx)
		}
	}
	b.ReportMetric(linear, "linear-bytes/instance")
	b.ReportMetric(heap, "heap-bytes/instance")
}

var _ = abi.ActionContinue
