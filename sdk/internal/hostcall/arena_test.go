package hostcall

import (
	"bytes"
	"testing"
)

func TestArenaTake(t *testing.T) {
	var a arena
	a.add(100, []byte("hello"))
	a.add(200, []byte("other"))
	b, ok := a.take(100, 4)
	if !ok || !bytes.Equal(b, []byte("hell")) || cap(b) != 4 {
		t.Fatalf("take = %q (cap %d), %v", b, cap(b), ok)
	}
	if len(a.blocks) != 0 {
		t.Fatalf("blocks kept after take: %v", a.blocks)
	}
	a.add(100, []byte("hello"))
	for _, c := range []struct{ p, size uint32 }{{101, 1}, {100, 6}, {0, 1}} {
		if _, ok := a.take(c.p, c.size); ok {
			t.Errorf("take(%d, %d) accepted", c.p, c.size)
		}
	}
	if b, ok := a.take(0, 0); !ok || b != nil {
		t.Errorf("empty result: %q %v", b, ok)
	}
	for i := range 100 {
		a.add(uint32(i+1), []byte{1})
	}
	if b, ok := a.take(50, 1); !ok || len(b) != 1 {
		t.Errorf("take among many: %v %v", b, ok)
	}
	if cap(a.blocks) > maxKept {
		t.Errorf("arena keeps a backing array of %d after a burst", cap(a.blocks))
	}
}

// FuzzArenaTake feeds host-chosen pointers and sizes: take never panics and
// only returns bytes of a block the guest handed out.
func FuzzArenaTake(f *testing.F) {
	f.Add(uint32(8), uint32(8), uint32(3), uint32(16))
	f.Add(uint32(8), uint32(9), uint32(0), uint32(0))
	f.Add(uint32(8), uint32(8), uint32(0xffffffff), uint32(1))
	f.Fuzz(func(t *testing.T, p, q, size, blockLen uint32) {
		blockLen %= 1 << 16
		var a arena
		blk := bytes.Repeat([]byte{7}, int(blockLen))
		a.add(p, blk)
		b, ok := a.take(q, size)
		if !ok {
			return
		}
		if (q != p && !(q == 0 && size == 0)) || int(size) > len(blk) || len(b) != int(size) {
			t.Fatalf("take(%d, %d) of block %d/%d returned %d bytes", q, size, p, blockLen, len(b))
		}
	})
}

// TestCarved: a result carved from the host's chunk is taken only inside
// the chunk, with its capacity ending where it does.
func TestCarved(t *testing.T) {
	chunk := make([]byte, 64)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	b, ok := carved(chunk, 1000, 1008, 8)
	if !ok || len(b) != 8 || cap(b) != 8 || b[0] != 8 {
		t.Fatalf("carved(1008, 8) = %v (cap %d), %v", b, cap(b), ok)
	}
	for _, c := range []struct{ p, size uint32 }{{999, 4}, {1060, 8}, {1000, 65}, {1008, 0}, {5000, 1}, {0xFFFFFFFF, 2}} {
		if _, ok := carved(chunk, 1000, c.p, c.size); ok {
			t.Errorf("carved(%d, %d) accepted", c.p, c.size)
		}
	}
	if _, ok := carved(nil, 0, 0, 1); ok {
		t.Error("carved from no chunk accepted")
	}
}
