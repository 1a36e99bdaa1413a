package eval

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// sprintf formats like OPA: integers as int or big.Int, other numbers as
// float64, strings as themselves and everything else in Rego syntax.
func sprintf(_ *builtinCtx, args []any) (any, error) {
	if err := arity(args, 2); err != nil {
		return nil, err
	}
	format, err := argString(args[0])
	if err != nil {
		return nil, err
	}
	vals, ok := args[1].([]any)
	if !ok {
		return nil, fmt.Errorf("%w: sprintf wants an array of values", errArgs)
	}
	fargs := make([]any, len(vals))
	for i, v := range vals {
		switch v := v.(type) {
		case json.Number:
			if n, err := v.Int64(); err == nil {
				fargs[i] = n
			} else if b, ok := new(big.Int).SetString(v.String(), 10); ok {
				fargs[i] = b
			} else if f, err := v.Float64(); err == nil {
				fargs[i] = f
			} else {
				fargs[i] = v.String()
			}
		case string:
			fargs[i] = v
		default:
			fargs[i] = regoString(v)
		}
	}
	return fmt.Sprintf(format, fargs...), nil
}

// regoString prints a JSON value the way OPA prints terms.
func regoString(v any) string {
	var b strings.Builder
	writeRego(&b, v)
	return b.String()
}

func writeRego(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case json.Number:
		b.WriteString(v.String())
	case string:
		b.WriteString(strconv.Quote(v))
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRego(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(k))
			b.WriteString(": ")
			writeRego(b, v[k])
		}
		b.WriteByte('}')
	}
}

func anyMatch(args []any, match func(s, affix string) bool) (any, error) {
	if err := arity(args, 2); err != nil {
		return nil, err
	}
	search, err := argStrings(args[0])
	if err != nil {
		return nil, err
	}
	base, err := argStrings(args[1])
	if err != nil {
		return nil, err
	}
	for _, s := range search {
		for _, a := range base {
			if match(s, a) {
				return true, nil
			}
		}
	}
	return false, nil
}

func anyPrefixMatch(_ *builtinCtx, args []any) (any, error) {
	return anyMatch(args, strings.HasPrefix)
}

func anySuffixMatch(_ *builtinCtx, args []any) (any, error) {
	return anyMatch(args, strings.HasSuffix)
}

func stringsCount(_ *builtinCtx, args []any) (any, error) {
	if err := arity(args, 2); err != nil {
		return nil, err
	}
	s, err := argString(args[0])
	if err != nil {
		return nil, err
	}
	sub, err := argString(args[1])
	if err != nil {
		return nil, err
	}
	return strings.Count(s, sub), nil
}
