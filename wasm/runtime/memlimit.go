package runtime

import (
	"slices"

	"github.com/tetratelabs/wazero/experimental"
)

// limitedMemory is an instance's linear memory that refuses to grow past a
// byte limit: memory.grow then returns -1 in the guest instead of taking
// host memory.
type limitedMemory struct {
	buf   []byte
	limit uint64
}

var _ experimental.LinearMemory = (*limitedMemory)(nil)

func limitAllocator(limit uint64) experimental.MemoryAllocator {
	return experimental.MemoryAllocatorFunc(func(capacity, max uint64) experimental.LinearMemory {
		l := min(limit, max)
		return &limitedMemory{buf: make([]byte, 0, min(capacity, l)), limit: l}
	})
}

func (m *limitedMemory) Reallocate(size uint64) []byte {
	if size > m.limit {
		return nil
	}
	n := int(size)
	if n > cap(m.buf) {
		m.buf = slices.Grow(m.buf, n-len(m.buf))
	}
	clear(m.buf[len(m.buf):n])
	m.buf = m.buf[:n]
	return m.buf
}

func (m *limitedMemory) Free() { m.buf = nil }
