package cache

import (
	"encoding/json"
	"strconv"
)

// shape is the object skeleton of the referenced paths: each node one
// object key, with the output slot of the path ending there (leaf >= 0) or
// its children, in the sorted order of the paths.
type shape struct {
	key      []byte // the key as a JSON string, then ':'
	leaf     int
	leaves   []int // every slot in this subtree
	children []*shape
}

// newShape builds the skeleton of paths, which must be minimal (no path a
// prefix of another) and sorted.
func newShape(paths [][]string) *shape {
	root := &shape{leaf: -1}
	for i, p := range paths {
		n := root
		n.leaves = append(n.leaves, i)
		for _, k := range p {
			var c *shape
			if last := len(n.children) - 1; last >= 0 && string(n.children[last].key) == string(jsonKey(k)) {
				c = n.children[last] // sorted: a shared prefix is the last child
			} else {
				c = &shape{key: jsonKey(k), leaf: -1}
				n.children = append(n.children, c)
			}
			n = c
			n.leaves = append(n.leaves, i)
		}
		n.leaf = i
	}
	return root
}

func jsonKey(k string) []byte {
	b, _ := json.Marshal(k) // a string always encodes
	return append(b, ':')
}

// appendObject appends the object holding exactly the present values of
// vals at their paths; objects left without a present value are left out.
func (n *shape) appendObject(dst []byte, vals [][]byte) []byte {
	dst = append(dst, '{')
	first := true
	for _, c := range n.children {
		if !c.present(vals) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, c.key...)
		if c.leaf >= 0 {
			dst = append(dst, vals[c.leaf]...)
		} else {
			dst = c.appendObject(dst, vals)
		}
	}
	return append(dst, '}')
}

func (n *shape) present(vals [][]byte) bool {
	for _, l := range n.leaves {
		if vals[l] != nil {
			return true
		}
	}
	return false
}

// objectPaths cuts every path before its first array index (a decimal key),
// so that the rest of the path runs through objects only: the shape can then
// rebuild it, and the whole array (or object with such a key) is kept.
func objectPaths(paths [][]string) [][]string {
	out := make([][]string, 0, len(paths))
	for _, p := range paths {
		for i, k := range p {
			if isIndex(k) {
				p = p[:i]
				break
			}
		}
		out = append(out, p)
	}
	return out
}

func isIndex(k string) bool {
	i, err := strconv.Atoi(k)
	return err == nil && i >= 0 && strconv.Itoa(i) == k
}
