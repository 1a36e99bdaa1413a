package guest

import (
	"bytes"
	"runtime"
	"slices"

	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

// checkMemoryUnderGC reads data the host writes into guest-allocated blocks
// many times while the heap churns and the collector runs: every read must
// equal the first, or a block was freed or reused while the host wrote it.
func checkMemoryUnderGC() {
	wantHdrs, err1 := proxywasm.GetHttpRequestHeaders()
	wantBody, err2 := proxywasm.GetHttpRequestBody(0, 1<<20)
	if !expect("memory_gc_stress_setup", err1 == nil && err2 == nil, "%v, %v", err1, err2) {
		return
	}
	var garbage [][]byte
	for i := range 300 {
		hdrs, err1 := proxywasm.GetHttpRequestHeaders()
		body, err2 := proxywasm.GetHttpRequestBody(0, 1<<20)
		if err1 != nil || err2 != nil || !slices.Equal(hdrs, wantHdrs) || !bytes.Equal(body, wantBody) {
			expect("memory_gc_stress", false, "round %d: %v %q, %v %v", i, hdrs, body, err1, err2)
			return
		}
		garbage = append(garbage, make([]byte, 32<<10))
		if i%50 == 49 {
			garbage = nil
			runtime.GC()
		}
	}
	runtime.KeepAlive(garbage)
	expect("memory_gc_stress", true, "")
}
