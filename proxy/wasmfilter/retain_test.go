package wasmfilter_test

import (
	"context"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/wasmfilter"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// TestRetainClosesUnusedPlugins: a plugin no config uses any more is closed
// after the grace; one used again within it stays; the config in use keeps
// its plugin throughout.
func TestRetainClosesUnusedPlugins(t *testing.T) {
	ctx := context.Background()
	mod := buildWasm(t, "examples/filters/hello")
	f, err := wasmfilter.New(ctx, wasmfilter.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(ctx)
	a := &config.WasmFilter{Name: "a", RootID: "a", VMID: "a", LocalFile: mod, Configuration: []byte("hi")}
	b := &config.WasmFilter{Name: "b", RootID: "b", VMID: "b", LocalFile: mod, Configuration: []byte("yo")}
	pa, err := f.Plugin(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := f.Plugin(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	alive := func(p *host.Plugin) bool {
		s := p.NewHTTPStream(nil, host.StreamCallbacks{})
		defer s.Done()
		return s.Err() == nil
	}

	const grace = 200 * time.Millisecond
	f.Retain([]*config.WasmFilter{a}, grace)
	f.Retain([]*config.WasmFilter{a, b}, grace) // b in use again within its grace
	time.Sleep(2 * grace)
	if !alive(pb) {
		t.Fatal("a plugin used again within its grace was closed")
	}

	f.Retain([]*config.WasmFilter{a}, grace)
	if !alive(pb) {
		t.Fatal("an unused plugin was closed before its grace ended")
	}
	deadline := time.Now().Add(10 * time.Second)
	for alive(pb) {
		if time.Now().After(deadline) {
			t.Fatal("an unused plugin was never closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !alive(pa) {
		t.Fatal("the plugin in use was closed")
	}
	// Pushed again, the config gets a new plugin.
	pb2, err := f.Plugin(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if pb2 == pb || !alive(pb2) {
		t.Fatal("config pushed again did not get a fresh plugin")
	}
}
