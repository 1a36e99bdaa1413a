package cache

import (
	"encoding/binary"
	"slices"
)

// Keyer builds cache keys from input documents for one policy's Fields.
// It is immutable and safe for concurrent use.
type Keyer struct {
	sel     *Selector
	shape   *shape
	whole   bool
	noCache bool
}

// NewKeyer returns a Keyer for f. A path through an array index is cut
// before the index (the key holds the whole array), and paths covered by a
// shorter referenced path are dropped, so a key never holds the same bytes
// twice.
func NewKeyer(f Fields) *Keyer {
	paths := minimalPaths(objectPaths(f.Paths))
	whole := f.Whole || len(paths) > 0 && len(paths[0]) == 0 // input[0]: the input itself
	if whole {
		paths = nil
	}
	return &Keyer{sel: NewSelector(paths), shape: newShape(paths), whole: whole, noCache: f.NoCache}
}

// AppendKey appends the key of input to dst. It reports false when the
// decision must not be cached (Fields.NoCache). input must be valid JSON.
func (k *Keyer) AppendKey(dst, input []byte) ([]byte, bool, error) {
	if k.noCache {
		return dst, false, nil
	}
	var buf [8][]byte
	vals, err := k.sel.Select(input, buf[:0])
	if err != nil {
		return dst, false, err
	}
	if k.whole {
		return appendValue(dst, trimSpace(input)), true, nil
	}
	for _, v := range vals {
		dst = appendValue(dst, v)
	}
	return dst, true, nil
}

// AppendKeyInput is AppendKey that also appends to in the referenced part
// of input, scanning input once: an object holding only the values at the
// referenced paths (with the objects on the way to them), or the whole input
// when the fields say Whole. A policy that reads only those fields decides
// the same on it as on input, and parses less of it. in is appended to even
// when the decision must not be cached.
func (k *Keyer) AppendKeyInput(key, in, input []byte) (keyOut, inOut []byte, cacheable bool, err error) {
	var buf [8][]byte
	vals, err := k.sel.Select(input, buf[:0])
	if err != nil {
		return key, in, false, err
	}
	if k.whole {
		v := trimSpace(input)
		in = append(in, v...)
		if !k.noCache {
			key = appendValue(key, v)
		}
		return key, in, !k.noCache, nil
	}
	in = k.shape.appendObject(in, vals)
	if !k.noCache {
		for _, v := range vals {
			key = appendValue(key, v)
		}
	}
	return key, in, !k.noCache, nil
}

// appendValue writes an absent value as 0 and a present one as 1, its
// length and its bytes, so that no two value lists share an encoding.
func appendValue(dst, v []byte) []byte {
	if v == nil {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	dst = binary.AppendUvarint(dst, uint64(len(v)))
	return append(dst, v...)
}

func trimSpace(b []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// minimalPaths sorts and deduplicates paths and drops every path that has
// another one as a prefix.
func minimalPaths(paths [][]string) [][]string {
	sorted := slices.Clone(paths)
	slices.SortFunc(sorted, slices.Compare)
	var out [][]string
	for _, p := range sorted {
		if len(out) > 0 && hasPrefix(p, out[len(out)-1]) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func hasPrefix(p, prefix []string) bool {
	return len(p) >= len(prefix) && slices.Equal(p[:len(prefix)], prefix)
}
