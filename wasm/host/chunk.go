package host

// wasmesh_alloc_chunk is an optional guest export extending the proxy-wasm
// ABI: `wasmesh_alloc_chunk(size i32) -> i32` returns the address of a fresh
// guest block of size bytes that the host may fill with results. A guest
// exporting it accepts, wherever the ABI hands it a block the host got
// from proxy_on_memory_allocate, a block carved from the latest such chunk
// instead, and keeps each carved block alive while it references it. Each
// proxy_on_memory_allocate is a call into the guest, which in a Go guest
// costs about as much as the rest of a small host call; carving makes that
// one call per chunk. Guests without the export (other SDKs) are served
// with proxy_on_memory_allocate as before.
//
// The host carves blocks in order and never returns to an earlier chunk, so
// the guest only has to know the latest one.
const (
	// chunkSize is what the host asks for at a time: a few requests'
	// worth of headers and properties, small enough that a kept value pins
	// little.
	chunkSize = 4 << 10
	// maxCarved is the largest result carved; bigger ones (bodies) get a
	// block of their own from proxy_on_memory_allocate.
	maxCarved = 1 << 10
	// carveAlign keeps carved blocks 8-byte aligned.
	carveAlign = 8
)

// carve returns a block of n bytes from the current chunk, asking the guest
// for a new chunk when the rest is too small. False when the guest refused
// or returned a chunk outside its memory; the caller then falls back to the
// allocator.
func (in *instance) carve(n uint32, depth int) (uint32, bool) {
	need := (n + carveAlign - 1) &^ (carveAlign - 1)
	if in.chunkEnd-in.chunkNext < need {
		st := in.mallocStack[depth][:]
		st[0] = chunkSize
		if err := in.rt.Call(in.fns[cbChunk], 0, st); err != nil {
			in.fail(err)
			return 0, false
		}
		p := uint32(st[0])
		if p == 0 || !guestRange(in.mem.Size(), p, chunkSize) {
			in.chunkNext, in.chunkEnd = 0, 0
			return 0, false
		}
		in.chunkNext, in.chunkEnd = p, p+chunkSize
	}
	p := in.chunkNext
	in.chunkNext += need
	return p, true
}
