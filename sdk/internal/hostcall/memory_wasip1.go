//go:build wasip1

package hostcall

import "unsafe"

// allocations keeps every block handed to the host by Allocate reachable, so
// the garbage collector (which never moves objects) cannot free it while the
// host writes into it. The host call that asked for the block picks it up with
// take, and any other block allocated during that call is dropped then.
var allocations = map[uint32][]byte{}

// Allocate backs proxy_on_memory_allocate: it returns the guest address of a
// fresh block of size bytes, or 0 if size is absurd.
func Allocate(size uint32) uint32 {
	if size > 1<<30 {
		return 0
	}
	b := make([]byte, max(size, 1))
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	allocations[p] = b
	return p
}

// take returns the block at ptr cut to size and forgets every outstanding
// block. A pointer the guest never handed out, or a size beyond its block,
// yields ok=false: the host is not trusted with guest memory.
func take(ptr, size uint32) (b []byte, ok bool) {
	defer clear(allocations)
	if ptr == 0 && size == 0 {
		return nil, true
	}
	blk, found := allocations[ptr]
	if !found || int(size) > len(blk) {
		return nil, false
	}
	return blk[:size:size], true
}

// drop forgets outstanding blocks after a call whose result was not data.
func drop() { clear(allocations) }

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
