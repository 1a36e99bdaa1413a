package proxywasm

import (
	"encoding/binary"
	"slices"
	"unsafe"
)

// decodePairs parses a serialized header map, laid out as [abi.DecodeMap]
// reads it and accepting exactly what it accepts, into pairs whose strings
// point into b instead of copying it: the one allocation is the pair slice.
// b must be the caller's own and never written again; the host's results
// are (the guest's allocator handed out a fresh block for each). Malformed
// input is ok=false, never a panic.
func decodePairs(b []byte) (kv [][2]string, ok bool) {
	if len(b) == 0 || (len(b) == 1 && b[0] == 0) {
		return nil, true
	}
	if len(b) < 4 {
		return nil, false
	}
	n := binary.LittleEndian.Uint32(b)
	// Each pair needs at least 8 bytes of sizes and 2 NULs.
	if uint64(n)*10 > uint64(len(b)-4) {
		return nil, false
	}
	s := unsafe.String(unsafe.SliceData(b), len(b))
	kv = make([][2]string, n)
	data := 4 + 8*int(n)
	for i := range kv {
		kl := uint64(binary.LittleEndian.Uint32(b[4+8*i:]))
		vl := uint64(binary.LittleEndian.Uint32(b[8+8*i:]))
		if kl >= uint64(len(b)-data) || b[data+int(kl)] != 0 {
			return nil, false
		}
		kv[i][0] = s[data : data+int(kl)]
		data += int(kl) + 1
		if vl >= uint64(len(b)-data) || b[data+int(vl)] != 0 {
			return nil, false
		}
		kv[i][1] = s[data : data+int(vl)]
		data += int(vl) + 1
	}
	return kv, true
}

// appendPairs appends kv serialized as [abi.EncodeMap] serializes it (the
// same bytes), without building an [abi.Pair] slice first.
func appendPairs(dst []byte, kv [][2]string) []byte {
	size := 4 + 8*len(kv)
	for _, p := range kv {
		size += len(p[0]) + len(p[1]) + 2
	}
	dst = slices.Grow(dst, size)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(kv)))
	for _, p := range kv {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(p[0])))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(p[1])))
	}
	for _, p := range kv {
		dst = append(dst, p[0]...)
		dst = append(dst, 0)
		dst = append(dst, p[1]...)
		dst = append(dst, 0)
	}
	return dst
}
