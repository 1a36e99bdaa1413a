//go:build wasip1

package hostcall

import "unsafe"

var allocations arena

// Small blocks are cut from a shared chunk instead of each being a heap
// allocation of its own, zeroed first: the host fills every byte it asked
// for. A block belongs to the one result it carries (its capacity ends where
// the next block starts), and keeps its whole chunk alive while referenced,
// so chunks are small: a filter that keeps a few bytes of every request for
// long pins at most chunkSize each.
const (
	chunkSize = 2 << 10
	maxCut    = 128
)

// chunk is the unused rest of the current chunk.
var chunk []byte

// Allocate backs proxy_on_memory_allocate: it returns the guest address of a
// fresh block of size bytes, kept alive until the running host call takes it,
// or 0 if size is absurd.
func Allocate(size uint32) uint32 {
	if size > 1<<30 {
		return 0
	}
	n := int(max(size, 1))
	var b []byte
	if n <= maxCut {
		if len(chunk) < n {
			chunk = make([]byte, chunkSize)
		}
		b, chunk = chunk[:n:n], chunk[n:]
	} else {
		b = make([]byte, n)
	}
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	allocations.add(p, b)
	return p
}

// hostChunk is the latest block handed to the host by AllocateChunk, at
// guest address hostChunkAt: the host carves small results from it in
// order and never goes back to an earlier chunk.
var (
	hostChunk   []byte
	hostChunkAt uint32
)

// AllocateChunk backs wasmesh_alloc_chunk, the host's extension to the
// allocator: a block the host fills with several small results, each of
// which the guest then takes like a block of its own (see wasm/host's
// chunk.go). A carved result keeps the chunk alive while referenced.
func AllocateChunk(size uint32) uint32 {
	if size == 0 || size > 1<<20 {
		return 0
	}
	hostChunk = make([]byte, size)
	hostChunkAt = uint32(uintptr(unsafe.Pointer(unsafe.SliceData(hostChunk))))
	return hostChunkAt
}

func take(p, size uint32) ([]byte, bool) {
	if b, ok := allocations.take(p, size); ok {
		return b, true
	}
	return carved(hostChunk, hostChunkAt, p, size)
}

func drop() { allocations.drop() }

// ptr returns the address of b's first byte, or nil for an empty slice.
func ptr(b []byte) *byte {
	if len(b) == 0 {
		return nil
	}
	return &b[0]
}

// sptr returns the address of s's first byte, or nil for an empty string.
func sptr(s string) *byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.StringData(s)
}
