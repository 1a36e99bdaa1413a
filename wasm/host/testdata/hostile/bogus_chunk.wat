;; wasmesh_alloc_chunk answers an out-of-range chunk: the host must not write there and falls back to
;; proxy_on_memory_allocate (a bump allocator here). Requests with exactly 3 headers read one header.
(module
  (import "env" "proxy_get_header_map_value" (func $get (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (data (i32.const 16) ":path")
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8))))
    (local.get $p))
  (func (export "wasmesh_alloc_chunk") (param $n i32) (result i32) (i32.const 0xfffff000))
  (func (export "_initialize"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (if (i32.eq (local.get $n) (i32.const 3))
      (then
        (if (i32.ne (call $get (i32.const 0) (i32.const 16) (i32.const 5) (i32.const 0) (i32.const 8)) (i32.const 0)) (then unreachable))
        ;; the value came from the allocator's heap, not the bogus chunk
        (if (i32.lt_u (i32.load (i32.const 0)) (i32.const 4096)) (then unreachable))))
    (i32.const 0))
)
