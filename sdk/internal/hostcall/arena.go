package hostcall

// arena keeps the blocks the guest handed to the host through
// proxy_on_memory_allocate reachable until the host call that asked for them
// returns, so the garbage collector (which never moves objects) cannot free
// one while the host writes into it. The call then takes its block and the
// arena forgets the rest.
type arena struct {
	blocks map[uint32][]byte
}

// add remembers block b at guest address p.
func (a *arena) add(p uint32, b []byte) {
	if a.blocks == nil {
		a.blocks = map[uint32][]byte{}
	}
	a.blocks[p] = b
}

// take returns the block at p cut to size and forgets every block. A pointer
// the guest never handed out, or a size beyond its block, yields ok=false:
// the host is not trusted with guest memory. p 0 with size 0 is the empty
// result.
func (a *arena) take(p, size uint32) (b []byte, ok bool) {
	defer a.drop()
	if p == 0 && size == 0 {
		return nil, true
	}
	blk, found := a.blocks[p]
	if !found || uint64(size) > uint64(len(blk)) {
		return nil, false
	}
	return blk[:size:size], true
}

// drop forgets every block.
func (a *arena) drop() { clear(a.blocks) }
