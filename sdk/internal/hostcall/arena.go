package hostcall

// arena keeps the blocks the guest handed to the host through
// proxy_on_memory_allocate reachable until the host call that asked for them
// returns, so the garbage collector (which never moves objects) cannot free
// one while the host writes into it. The call then takes its block and the
// arena forgets the rest.
//
// A host call allocates one block (the ABI returns at most one value), so a
// short slice searched linearly beats a map; a hostile host that allocates
// many blocks in one call cannot leave a large table behind, as drop
// releases any backing array grown past maxKept.
type arena struct {
	blocks []block
}

type block struct {
	p uint32
	b []byte
}

const maxKept = 8

// add remembers block b at guest address p.
func (a *arena) add(p uint32, b []byte) { a.blocks = append(a.blocks, block{p, b}) }

// take returns the block at p cut to size and forgets every block. A pointer
// the guest never handed out, or a size beyond its block, yields ok=false:
// the host is not trusted with guest memory. p 0 with size 0 is the empty
// result.
func (a *arena) take(p, size uint32) (b []byte, ok bool) {
	defer a.drop()
	if p == 0 && size == 0 {
		return nil, true
	}
	for _, blk := range a.blocks {
		if blk.p == p {
			if uint64(size) > uint64(len(blk.b)) {
				return nil, false
			}
			return blk.b[:size:size], true
		}
	}
	return nil, false
}

// drop forgets every block.
func (a *arena) drop() {
	if cap(a.blocks) > maxKept {
		a.blocks = nil
		return
	}
	clear(a.blocks)
	a.blocks = a.blocks[:0]
}

// carved returns the result at guest address p of size bytes if it lies in
// chunk (at address at), with its capacity ending where it does.
func carved(chunk []byte, at, p, size uint32) ([]byte, bool) {
	if size == 0 || p < at || uint64(p-at)+uint64(size) > uint64(len(chunk)) {
		return nil, false
	}
	off := p - at
	return chunk[off : off+size : off+size], true
}
