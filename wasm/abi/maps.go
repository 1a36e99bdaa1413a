package abi

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Pair is one header (or trailer, or metadata) entry. Keys keep their order
// and may repeat, as HTTP headers do.
type Pair struct {
	Key, Value string
}

// ErrMalformedMap is returned by DecodeMap for bytes that are not a valid
// serialized map.
var ErrMalformedMap = errors.New("abi: malformed header map")

// EncodedMapSize returns the number of bytes EncodeMap writes for pairs.
func EncodedMapSize(pairs []Pair) int {
	n := 4 + 8*len(pairs)
	for _, p := range pairs {
		n += len(p.Key) + 1 + len(p.Value) + 1
	}
	return n
}

// EncodeMap serializes pairs the way the ABI specifies: a little-endian u32
// count, then a (u32 key length, u32 value length) per pair, then each key and
// value followed by a NUL byte. dst is reused when large enough.
func EncodeMap(dst []byte, pairs []Pair) []byte {
	size := EncodedMapSize(pairs)
	if cap(dst) < size {
		dst = make([]byte, size)
	}
	dst = dst[:size]
	binary.LittleEndian.PutUint32(dst, uint32(len(pairs)))
	off := 4
	for _, p := range pairs {
		binary.LittleEndian.PutUint32(dst[off:], uint32(len(p.Key)))
		binary.LittleEndian.PutUint32(dst[off+4:], uint32(len(p.Value)))
		off += 8
	}
	for _, p := range pairs {
		off += copy(dst[off:], p.Key)
		dst[off] = 0
		off++
		off += copy(dst[off:], p.Value)
		dst[off] = 0
		off++
	}
	return dst
}

// DecodeMap parses a serialized map. An empty slice, or a single zero byte,
// is the empty map. Every length is checked against the input, so hostile
// input yields ErrMalformedMap, never a panic.
func DecodeMap(b []byte) ([]Pair, error) {
	if len(b) == 0 || (len(b) == 1 && b[0] == 0) {
		return nil, nil
	}
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the count", ErrMalformedMap, len(b))
	}
	n := binary.LittleEndian.Uint32(b)
	// Each pair needs at least 8 bytes of sizes and 2 NULs.
	if uint64(n)*10 > uint64(len(b)-4) {
		return nil, fmt.Errorf("%w: count %d does not fit in %d bytes", ErrMalformedMap, n, len(b))
	}
	pairs := make([]Pair, n)
	data := 4 + 8*int(n)
	for i := range pairs {
		kl := int(binary.LittleEndian.Uint32(b[4+8*i:]))
		vl := int(binary.LittleEndian.Uint32(b[8+8*i:]))
		if kl < 0 || vl < 0 || kl > len(b)-data-1 {
			return nil, fmt.Errorf("%w: key %d overruns the buffer", ErrMalformedMap, i)
		}
		k := string(b[data : data+kl])
		data += kl
		if b[data] != 0 {
			return nil, fmt.Errorf("%w: key %d is not NUL-terminated", ErrMalformedMap, i)
		}
		data++
		if vl > len(b)-data-1 {
			return nil, fmt.Errorf("%w: value %d overruns the buffer", ErrMalformedMap, i)
		}
		v := string(b[data : data+vl])
		data += vl
		if b[data] != 0 {
			return nil, fmt.Errorf("%w: value %d is not NUL-terminated", ErrMalformedMap, i)
		}
		data++
		pairs[i] = Pair{Key: k, Value: v}
	}
	return pairs, nil
}
