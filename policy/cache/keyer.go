package cache

import (
	"encoding/binary"
	"slices"
)

// Keyer builds cache keys from input documents for one policy's Fields.
// It is immutable and safe for concurrent use.
type Keyer struct {
	sel     *Selector
	whole   bool
	noCache bool
}

// NewKeyer returns a Keyer for f. Paths covered by a shorter referenced
// path are dropped, so a key never holds the same bytes twice.
func NewKeyer(f Fields) *Keyer {
	return &Keyer{sel: NewSelector(minimalPaths(f.Paths)), whole: f.Whole, noCache: f.NoCache}
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
