package cache

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrSyntax is returned (wrapped) when a document is not valid JSON.
var ErrSyntax = errors.New("cache: invalid json")

// maxDepth bounds nesting so that hostile documents cannot exhaust the stack.
const maxDepth = 512

// Selector pulls the raw JSON values at a fixed set of paths out of a
// document in one pass, without decoding the rest. It validates the whole
// document while scanning. A Selector is immutable and safe for concurrent use.
type Selector struct {
	root  *node
	paths int
}

type node struct {
	keys   map[string]*node
	index  map[int]*node // the same children, for array elements
	leaf   int           // output slot when a path ends here, else -1
	leaves []int         // every output slot in this subtree
}

// NewSelector returns a Selector for paths; Select reports the value of
// paths[i] in slot i.
func NewSelector(paths [][]string) *Selector {
	root := newNode()
	for i, p := range paths {
		n := root
		n.leaves = append(n.leaves, i)
		for _, k := range p {
			c, ok := n.keys[k]
			if !ok {
				c = newNode()
				n.keys[k] = c
				if idx, err := strconv.Atoi(k); err == nil && idx >= 0 && strconv.Itoa(idx) == k {
					n.index[idx] = c
				}
			}
			n = c
			n.leaves = append(n.leaves, i)
		}
		n.leaf = i
	}
	return &Selector{root: root, paths: len(paths)}
}

func newNode() *node {
	return &node{keys: map[string]*node{}, index: map[int]*node{}, leaf: -1}
}

// Len is the number of paths.
func (s *Selector) Len() int { return s.paths }

// Select scans doc and returns, reusing out's storage, one raw value per
// path (nil when the path is absent). The returned slices alias doc. When a
// key repeats, the last occurrence wins, as in encoding/json.
func (s *Selector) Select(doc []byte, out [][]byte) ([][]byte, error) {
	if cap(out) < s.paths {
		out = make([][]byte, s.paths)
	}
	out = out[:s.paths]
	clear(out)
	sc := scanner{b: doc}
	sc.ws()
	if err := sc.value(s.root, out, 0); err != nil {
		return out, err
	}
	sc.ws()
	if sc.i != len(sc.b) {
		return out, sc.fail("trailing data")
	}
	return out, nil
}

type scanner struct {
	b []byte
	i int
}

func (s *scanner) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrSyntax, what, s.i)
}

func (s *scanner) ws() {
	i := s.i
	for i < len(s.b) && (s.b[i] == ' ' || s.b[i] == '\t' || s.b[i] == '\n' || s.b[i] == '\r') {
		i++
	}
	s.i = i
}

// value scans one value; n (possibly nil) is the selector node it sits at.
func (s *scanner) value(n *node, out [][]byte, depth int) error {
	if depth > maxDepth {
		return s.fail("nesting too deep")
	}
	if n != nil {
		for _, l := range n.leaves {
			out[l] = nil
		}
	}
	start := s.i
	if s.i >= len(s.b) {
		return s.fail("unexpected end")
	}
	var err error
	switch c := s.b[s.i]; {
	case c == '{':
		err = s.object(n, out, depth)
	case c == '[':
		err = s.array(n, out, depth)
	case c == '"':
		_, _, err = s.str()
	case c == 't':
		err = s.word("true")
	case c == 'f':
		err = s.word("false")
	case c == 'n':
		err = s.word("null")
	default:
		err = s.number()
	}
	if err != nil {
		return err
	}
	if n != nil && n.leaf >= 0 {
		out[n.leaf] = s.b[start:s.i]
	}
	return nil
}

func (s *scanner) object(n *node, out [][]byte, depth int) error {
	s.i++ // {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.fail("expected object key")
		}
		key, escaped, err := s.str()
		if err != nil {
			return err
		}
		var child *node
		if n != nil && len(n.keys) > 0 {
			if escaped {
				child = n.keys[unescape(key)]
			} else {
				child = n.keys[string(key)]
			}
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.fail("expected ':'")
		}
		s.i++
		s.ws()
		if err := s.value(child, out, depth+1); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.fail("unexpected end in object")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.fail("expected ',' or '}'")
		}
	}
}

func (s *scanner) array(n *node, out [][]byte, depth int) error {
	s.i++ // [
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return nil
	}
	for idx := 0; ; idx++ {
		s.ws()
		var child *node
		if n != nil && len(n.index) > 0 {
			child = n.index[idx]
		}
		if err := s.value(child, out, depth+1); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.fail("unexpected end in array")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.fail("expected ',' or ']'")
		}
	}
}

// plain marks the bytes a string may hold without escaping.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str scans a string and returns its raw contents (without quotes) and
// whether they contain escapes.
func (s *scanner) str() ([]byte, bool, error) {
	b := s.b
	i := s.i + 1 // past the opening quote
	start := i
	escaped := false
	for {
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			s.i = i
			return nil, false, s.fail("unterminated string")
		}
		switch b[i] {
		case '"':
			s.i = i + 1
			return b[start:i], escaped, nil
		case '\\':
			escaped = true
			i++
			if i >= len(b) {
				s.i = i
				return nil, false, s.fail("unterminated escape")
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+5 > len(b) || !isHex4(b[i+1:i+5]) {
					s.i = i
					return nil, false, s.fail("bad \\u escape")
				}
				i += 5
			default:
				s.i = i
				return nil, false, s.fail("bad escape")
			}
		default:
			s.i = i
			return nil, false, s.fail("control character in string")
		}
	}
}

func (s *scanner) word(w string) error {
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		return s.fail("invalid literal")
	}
	s.i += len(w)
	return nil
}

// number scans a number following the JSON grammar.
func (s *scanner) number() error {
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return s.fail("invalid value")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return s.fail("invalid number")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return s.fail("invalid number")
		}
	}
	return nil
}

func (s *scanner) digits() int {
	n := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// unescape decodes the contents of a JSON string already checked by str.
func unescape(raw []byte) string {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hexRune(raw[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
				if r2 := utf16.DecodeRune(r, hexRune(raw[i+2:i+6])); r2 != utf8.RuneError {
					r = r2
					i += 6
				}
			}
			if utf16.IsSurrogate(r) {
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // '"', '\\', '/'
			out = append(out, raw[i+1])
		}
		i += 2
	}
	return string(out)
}

func hexRune(b []byte) rune {
	v, _ := strconv.ParseUint(string(b), 16, 32)
	return rune(v)
}
