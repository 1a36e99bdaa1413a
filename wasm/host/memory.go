package host

import (
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// guestRange checks that [ptr, ptr+size) lies inside a memory of memSize
// bytes, without overflow. Every guest pointer goes through it.
func guestRange(memSize, ptr, size uint32) bool {
	return uint64(ptr)+uint64(size) <= uint64(memSize)
}

// view returns the guest bytes [ptr, ptr+size) without copying; the view is
// invalid after the guest runs again (its memory may move on growth).
func view(mem api.Memory, ptr, size uint32) ([]byte, bool) {
	if size == 0 {
		return nil, true
	}
	if !guestRange(mem.Size(), ptr, size) {
		return nil, false
	}
	return mem.Read(ptr, size)
}

// readCopy copies guest bytes into a new slice.
func readCopy(mem api.Memory, ptr, size uint32) ([]byte, bool) {
	b, ok := view(mem, ptr, size)
	if !ok {
		return nil, false
	}
	return append([]byte(nil), b...), true
}

func readString(mem api.Memory, ptr, size uint32) (string, bool) {
	b, ok := view(mem, ptr, size)
	return string(b), ok
}

func writeU32(mem api.Memory, ptr, v uint32) bool {
	if !guestRange(mem.Size(), ptr, 4) {
		return false
	}
	return mem.WriteUint32Le(ptr, v)
}

func writeU64(mem api.Memory, ptr uint32, v uint64) bool {
	if !guestRange(mem.Size(), ptr, 8) {
		return false
	}
	return mem.WriteUint64Le(ptr, v)
}

// maxReentry bounds host→guest→host nesting through the guest's allocator,
// so a hostile allocator cannot recurse until the host's stack is exhausted.
const maxReentry = 4

// returnBytes hands data to the guest: it allocates guest memory with the
// guest's allocator, copies data in and writes the pointer and size to the
// guest's out-parameters. Empty data returns pointer 0 and size 0.
func (in *instance) returnBytes(data []byte, ptrPtr, sizePtr uint32) abi.Status {
	ptr, st := in.guestAlloc(len(data), ptrPtr, sizePtr)
	if st != abi.StatusOK {
		return st
	}
	if len(data) > 0 && !in.mem.Write(ptr, data) {
		return abi.StatusInvalidMemoryAccess
	}
	return in.returnBlock(ptr, len(data), ptrPtr, sizePtr)
}

// returnString is returnBytes for a string, without converting it.
func (in *instance) returnString(data string, ptrPtr, sizePtr uint32) abi.Status {
	ptr, st := in.guestAlloc(len(data), ptrPtr, sizePtr)
	if st != abi.StatusOK {
		return st
	}
	if len(data) > 0 && !in.mem.WriteString(ptr, data) {
		return abi.StatusInvalidMemoryAccess
	}
	return in.returnBlock(ptr, len(data), ptrPtr, sizePtr)
}

// guestAlloc checks the out-parameters, then asks the guest's allocator for
// n bytes (none for n 0: pointer 0).
func (in *instance) guestAlloc(n int, ptrPtr, sizePtr uint32) (uint32, abi.Status) {
	mem := in.mem
	// Check the out-parameters before calling into the guest.
	if !guestRange(mem.Size(), ptrPtr, 4) || !guestRange(mem.Size(), sizePtr, 4) {
		return 0, abi.StatusInvalidMemoryAccess
	}
	if n == 0 {
		return 0, abi.StatusOK
	}
	depth := in.rt.Depth()
	if depth > maxReentry {
		// The guest's allocator keeps calling back into the host.
		return 0, abi.StatusInternalFailure
	}
	if uint64(n) > uint64(mem.Size()) {
		// Cannot fit even after the guest grows a little; refuse early.
		if uint64(n) > uint64(in.p.cfg.MemoryLimitPages)*65536 {
			return 0, abi.StatusInvalidMemoryAccess
		}
	}
	if in.fns[cbChunk] != nil && n <= maxCarved {
		if p, ok := in.carve(uint32(n), depth); ok {
			return p, abi.StatusOK
		}
		if in.dead.Load() {
			return 0, abi.StatusInternalFailure
		}
	}
	// One stack per nesting level: a local array would escape to the heap
	// through the call, an allocation per returned value.
	st := in.mallocStack[depth][:]
	st[0] = uint64(n)
	if err := in.rt.Call(in.fns[cbMalloc], 0, st); err != nil {
		in.fail(err)
		return 0, abi.StatusInternalFailure
	}
	ptr := uint32(st[0])
	if ptr == 0 {
		return 0, abi.StatusInvalidMemoryAccess
	}
	return ptr, abi.StatusOK
}

// returnBlock writes a returned block's pointer and size to the guest's
// out-parameters.
func (in *instance) returnBlock(ptr uint32, n int, ptrPtr, sizePtr uint32) abi.Status {
	if !writeU32(in.mem, ptrPtr, ptr) || !writeU32(in.mem, sizePtr, uint32(n)) {
		return abi.StatusInvalidMemoryAccess
	}
	return abi.StatusOK
}
