package config

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/wasmesh/wasmesh/control/api"
	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the number of YAML nodes visited per document, so that
// alias expansion ("billion laughs") cannot blow up decoding.
const maxNodes = 200000

// nodeDecoder fills Go values from a YAML node tree, strictly: unknown
// fields, wrong types, out-of-range integers and bad enum values are
// errors. It records the line of every field path it sees, so that
// validation errors can be reported at the right line.
type nodeDecoder struct {
	errs    []Error
	lines   map[string]int
	visited int
	tooBig  bool
}

func newNodeDecoder() *nodeDecoder { return &nodeDecoder{lines: map[string]int{}} }

func (d *nodeDecoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, Error{Line: n.Line, Path: path, Message: fmt.Sprintf(format, args...)})
}

var (
	durationType = reflect.TypeFor[api.Duration]()
	enumType     = reflect.TypeFor[api.Enum]()
	bytesType    = reflect.TypeFor[[]byte]()
)

// resolve follows aliases and counts visited nodes; it returns nil when the
// budget is exhausted.
func (d *nodeDecoder) resolve(n *yaml.Node, path string) *yaml.Node {
	for depth := 0; n.Kind == yaml.AliasNode; depth++ {
		if n.Alias == nil || depth > 100 {
			d.fail(n, path, "unresolvable alias")
			return nil
		}
		n = n.Alias
	}
	d.visited++
	if d.visited > maxNodes {
		if !d.tooBig {
			d.tooBig = true
			d.fail(n, path, "document too large: more than %d values (after alias expansion)", maxNodes)
		}
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// describe renders a node for "got ..." messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "an object"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return strconv.Quote(n.Value)
		case "!!int", "!!float":
			return "number " + n.Value
		case "!!bool":
			return "boolean " + n.Value
		case "!!null":
			return "null"
		}
		return n.ShortTag() + " " + n.Value
	}
	return "an unsupported value"
}

// decode stores n into v (an addressable value) at path.
func (d *nodeDecoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n = d.resolve(n, path); n == nil {
		return
	}
	if isNull(n) {
		return
	}
	t := v.Type()
	switch {
	case t == durationType:
		d.duration(n, v, path)
		return
	case t == bytesType:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			d.fail(n, path, "expected a base64 string, got %s", describe(n))
			return
		}
		b, err := base64.StdEncoding.DecodeString(n.Value)
		if err != nil {
			d.fail(n, path, "invalid base64: %v", err)
			return
		}
		v.SetBytes(b)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		d.decode(n, p.Elem(), path)
		v.Set(p)
	case reflect.Struct:
		d.object(n, v, path)
	case reflect.Slice:
		d.list(n, v, path)
	case reflect.Map:
		d.dict(n, v, path)
	case reflect.Interface:
		if g, ok := d.generic(n, path); ok && g != nil {
			v.Set(reflect.ValueOf(g))
		}
	case reflect.String:
		d.str(n, v, path)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			d.fail(n, path, "expected a boolean, got %s", describe(n))
			return
		}
		b, _ := strconv.ParseBool(strings.ToLower(n.Value))
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := d.integer(n, path, t.Bits(), true)
		if ok {
			v.SetInt(i)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		i, ok := d.integer(n, path, t.Bits(), false)
		if ok {
			v.SetUint(uint64(i))
		}
	case reflect.Float32, reflect.Float64:
		if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
			d.fail(n, path, "expected a number, got %s", describe(n))
			return
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			d.fail(n, path, "expected a finite number, got %s", n.Value)
			return
		}
		v.SetFloat(f)
	default:
		d.fail(n, path, "internal: cannot decode into %s", t)
	}
}

func (d *nodeDecoder) duration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		d.fail(n, path, "expected a duration such as \"1.5s\", got %s", describe(n))
		return
	}
	dur, err := api.ParseDuration(n.Value)
	if err != nil {
		d.fail(n, path, "invalid duration %q: use a number with a unit (ms, s, m, h), e.g. \"1.5s\"", n.Value)
		return
	}
	v.Set(reflect.ValueOf(dur))
}

func (d *nodeDecoder) str(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		hint := ""
		if n.Kind == yaml.ScalarNode {
			hint = " (quote it to make it a string)"
		}
		d.fail(n, path, "expected a string, got %s%s", describe(n), hint)
		return
	}
	s := n.Value
	if norm, ok := v.Interface().(api.Normalizer); ok {
		s = norm.Normalize(s)
	}
	if v.Type().Implements(enumType) && s != "" {
		values := v.Interface().(api.Enum).Values()
		if !slices.Contains(values, s) {
			d.fail(n, path, "invalid value %q: must be one of %s", n.Value, strings.Join(values, ", "))
			return
		}
	}
	v.SetString(s)
}

func (d *nodeDecoder) integer(n *yaml.Node, path string, bits int, signed bool) (int64, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		d.fail(n, path, "expected an integer, got %s", describe(n))
		return 0, false
	}
	if signed {
		i, err := strconv.ParseInt(n.Value, 0, bits)
		if err != nil {
			d.fail(n, path, "integer %s out of range for a %d-bit integer", n.Value, bits)
			return 0, false
		}
		return i, true
	}
	if strings.HasPrefix(n.Value, "-") {
		d.fail(n, path, "must not be negative, got %s", n.Value)
		return 0, false
	}
	u, err := strconv.ParseUint(strings.TrimPrefix(n.Value, "+"), 0, bits)
	if err != nil {
		d.fail(n, path, "integer %s out of range for an unsigned %d-bit integer", n.Value, bits)
		return 0, false
	}
	return int64(u), true
}

// mapping iterates the key/value pairs of a mapping node, rejecting
// non-string keys, merge keys and duplicates.
func (d *nodeDecoder) mapping(n *yaml.Node, path string, what string, fn func(key string, k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected %s, got %s", what, describe(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i], path)
		if k == nil {
			return
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "keys must be strings, got %s", describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			d.fail(k, path, "merge keys (<<) are not supported")
			continue
		}
		if seen[k.Value] {
			d.fail(k, join(path, k.Value), "duplicate field %q", k.Value)
			continue
		}
		seen[k.Value] = true
		fn(k.Value, k, n.Content[i+1])
	}
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func (d *nodeDecoder) object(n *yaml.Node, v reflect.Value, path string) {
	fields := fieldsOf(v.Type())
	d.mapping(n, path, "an object", func(key string, k, val *yaml.Node) {
		child := join(path, key)
		f, ok := fields.byName[key]
		if !ok {
			msg := fmt.Sprintf("unknown field %q", key)
			if s := fields.suggest(key); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.errs = append(d.errs, Error{Line: k.Line, Path: child, Message: msg})
			return
		}
		d.lines[child] = k.Line
		d.decode(val, v.Field(f), child)
	})
}

func (d *nodeDecoder) list(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "expected a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, e := range n.Content {
		child := fmt.Sprintf("%s[%d]", path, i)
		d.lines[child] = e.Line
		d.decode(e, s.Index(i), child)
	}
	v.Set(s)
}

func (d *nodeDecoder) dict(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	m := reflect.MakeMap(t)
	d.mapping(n, path, "an object", func(key string, k, val *yaml.Node) {
		child := path + "[" + key + "]"
		d.lines[child] = k.Line
		kv := reflect.New(t.Key()).Elem()
		switch t.Key().Kind() {
		case reflect.String:
			kv.SetString(key)
		case reflect.Uint32:
			u, err := strconv.ParseUint(key, 10, 32)
			if err != nil {
				d.fail(k, child, "key must be a number, got %q", key)
				return
			}
			kv.SetUint(u)
		default:
			d.fail(k, child, "internal: unsupported key type %s", t.Key())
			return
		}
		ev := reflect.New(t.Elem()).Elem()
		d.decode(val, ev, child)
		m.SetMapIndex(kv, ev)
	})
	v.Set(m)
}

// generic converts a node to JSON-compatible Go data (map[string]any,
// []any, string, int64, float64, bool, nil).
func (d *nodeDecoder) generic(n *yaml.Node, path string) (any, bool) {
	if n = d.resolve(n, path); n == nil {
		return nil, false
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		ok := true
		d.mapping(n, path, "an object", func(key string, _, val *yaml.Node) {
			g, gok := d.generic(val, path+"["+key+"]")
			ok = ok && gok
			m[key] = g
		})
		return m, ok
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, e := range n.Content {
			g, ok := d.generic(e, fmt.Sprintf("%s[%d]", path, i))
			if !ok {
				return nil, false
			}
			s[i] = g
		}
		return s, true
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, true
		case "!!bool":
			b, _ := strconv.ParseBool(strings.ToLower(n.Value))
			return b, true
		case "!!int":
			if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
				return i, true
			}
			if u, err := strconv.ParseUint(n.Value, 0, 64); err == nil {
				return float64(u), true
			}
		case "!!float":
			if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return f, true
			}
		case "!!str":
			return n.Value, true
		}
	}
	d.fail(n, path, "unsupported value %s", describe(n))
	return nil, false
}

// structFields indexes a struct type's fields by json name.
type structFields struct {
	byName map[string]int
	names  []string
}

// suggest returns the field key was probably meant to be: equal ignoring
// case and underscores ("retry_on" → "retryOn"), or within two edits
// ("retires" → "retries"); "" when none is close.
func (f *structFields) suggest(key string) string {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	best, bestDist := "", 3
	for _, n := range f.names {
		if norm(n) == norm(key) {
			return n
		}
		if len(key) >= 4 {
			if d := editDistance(norm(n), norm(key)); d < bestDist {
				best, bestDist = n, d
			}
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var fieldCache sync.Map // reflect.Type → *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{byName: map[string]int{}}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" || !sf.IsExported() {
			continue
		}
		f.byName[name] = i
		f.names = append(f.names, name)
	}
	fieldCache.Store(t, f)
	return f
}

// elem returns the value a pointer points to.
func elem(p any) reflect.Value { return reflect.ValueOf(p).Elem() }
