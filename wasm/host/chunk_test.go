package host

import (
	"context"
	"testing"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// chunkGuest exports wasmesh_alloc_chunk (a chunk at 8192, the same one
// every time) and an allocator that traps: two header values read in one
// callback must both be carved from the chunk, in order and 8-byte aligned,
// with no allocator call.
const chunkGuest = `(module
  (import "env" "proxy_get_header_map_value" (func $get (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) ":path")
  (data (i32.const 32) "x-long")
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param i32) (result i32) unreachable)
  (func (export "wasmesh_alloc_chunk") (param $n i32) (result i32)
    (if (i32.ne (local.get $n) (i32.const 4096)) (then unreachable))
    (i32.const 8192))
  (func (export "_initialize"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (local $p i32)
    (if (call $get (i32.const 0) (i32.const 16) (i32.const 5) (i32.const 0) (i32.const 4)) (then unreachable))
    (local.set $p (i32.load (i32.const 0)))
    (if (i32.or (i32.lt_u (local.get $p) (i32.const 8192)) (i32.ge_u (local.get $p) (i32.const 12288))) (then unreachable))
    (if (i32.and (local.get $p) (i32.const 7)) (then unreachable))
    (if (call $get (i32.const 0) (i32.const 32) (i32.const 6) (i32.const 8) (i32.const 12)) (then unreachable))
    ;; ":path" is "/abc" (4 bytes): the next value starts 8 bytes on
    (if (i32.ne (i32.load (i32.const 8)) (i32.add (local.get $p) (i32.const 8))) (then unreachable))
    (if (i32.ne (i32.load8_u (i32.add (local.get $p) (i32.const 8))) (i32.const 0x76)) (then unreachable)) ;; 'v'
    (i32.const 0))
)`

func TestChunkCarving(t *testing.T) {
	wasm := watGuest(t, "chunk", chunkGuest)
	h, _ := newTestHost(t, Config{})
	p, err := h.Load(context.Background(), PluginConfig{Name: "chunk", VMID: "chunk", Module: wasm, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	for range 300 { // past one chunk: the guest hands out a new one
		s := p.NewHTTPStream(nil, StreamCallbacks{})
		hd := Headers{{Key: ":path", Value: "/abc"}, {Key: "x-long", Value: "value"}}
		r := s.OnRequestHeaders(&hd, true)
		s.Done()
		if r.Err != nil || r.Action != abi.ActionContinue {
			t.Fatalf("request: %+v", r)
		}
	}
}
