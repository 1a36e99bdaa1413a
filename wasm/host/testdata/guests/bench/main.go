//go:build wasip1

// Command bench is the benchmark filter: it reads 3 request headers and
// adds 1, through the raw ABI.
package main

import "github.com/wasmesh/wasmesh/wasm/host/testdata/guests/raw"

func main() {}

//go:wasmexport proxy_abi_version_0_2_0
func marker() {}

//go:wasmexport proxy_on_memory_allocate
func alloc(size uint32) uint32 { return raw.Alloc(size) }

//go:wasmexport proxy_on_request_headers
func requestHeaders(ctx, n, eos uint32) uint32 {
	raw.Unpin()
	a, _ := raw.Get(0, ":path")
	b, _ := raw.Get(0, ":authority")
	c, _ := raw.Get(0, "user-agent")
	if len(a)+len(b)+len(c) > 0 {
		raw.Add(0, "x-seen", "1")
	}
	return 0
}
