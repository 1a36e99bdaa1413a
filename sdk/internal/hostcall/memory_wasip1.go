//go:build wasip1

package hostcall

import "unsafe"

var allocations arena

// Small blocks are cut from a shared chunk: the host fills every byte of a
// block it asked for, and the guest never writes one again (strings point
// into them), so a chunk needs no zeroing per block and a block costs no
// heap allocation of its own. A block keeps its whole chunk alive while
// referenced; a new chunk starts when the rest is too short.
const (
	chunkSize = 8 << 10
	maxCut    = 1 << 10
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

func take(p, size uint32) ([]byte, bool) { return allocations.take(p, size) }

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
