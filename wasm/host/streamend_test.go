package host

import (
	"context"
	"testing"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// watBumpAllocator is the start of a WAT test guest: one page of memory,
// the ABI marker and a bump allocator from 4096 (memory below is the
// guest's counters).
const watBumpAllocator = `  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8))))
    (local.get $p))
`

// streamEndGuest exports wasmesh_on_stream_end, which counts the streams it
// ends in memory at 0, and proxy_on_done/log/delete that trap: the host must
// end a stream in that one call.
const streamEndGuest = `(module
` + watBumpAllocator + `  (func (export "wasmesh_on_stream_end") (param $ctx i32) (result i32)
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (i32.const 1))
  (func (export "proxy_on_done") (param i32) (result i32) unreachable)
  (func (export "proxy_on_log") (param i32) unreachable)
  (func (export "proxy_on_delete") (param i32) unreachable)
  (func (export "_initialize"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0))
)`

func TestStreamEndInOneCall(t *testing.T) {
	h, _ := newTestHost(t, Config{})
	p, err := h.Load(context.Background(), PluginConfig{Name: "streamend", VMID: "streamend", Module: watGuest(t, "streamend", streamEndGuest), PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	for range 5 {
		s := p.NewHTTPStream(nil, StreamCallbacks{})
		hd := Headers{{Key: ":path", Value: "/"}}
		if r := s.OnRequestHeaders(&hd, true); r.Err != nil || r.Action != abi.ActionContinue {
			t.Fatalf("request: %+v", r)
		}
		s.Done()
	}
	in := p.pool.slots[0].inst
	if in.dead.Load() {
		t.Fatalf("instance died: %v", in.deadErr)
	}
	n, _ := in.mem.ReadUint32Le(0)
	if n != 5 {
		t.Errorf("wasmesh_on_stream_end ended %d streams, want 5", n)
	}
	in.mu.Lock()
	left := len(in.contexts)
	in.mu.Unlock()
	if left != 1 { // the root context
		t.Errorf("%d contexts left, want only the root", left)
	}
}
