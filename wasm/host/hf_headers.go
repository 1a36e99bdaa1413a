package host

import (
	"strings"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// headerMap returns map mt of the effective context (or of the http-call
// response being delivered).
func (in *instance) headerMap(mt abi.MapType) (*Headers, abi.Status) {
	var h *Headers
	switch mt {
	case abi.MapHTTPRequestHeaders, abi.MapHTTPRequestTrailers, abi.MapHTTPResponseHeaders, abi.MapHTTPResponseTrailers:
		cur := in.current()
		if cur == nil {
			return nil, abi.StatusNotFound
		}
		h = [...]*Headers{cur.reqHeaders, cur.reqTrailers, cur.respHeaders, cur.respTrailers}[mt]
	case abi.MapHTTPCallResponseHeaders:
		if in.callout != nil {
			h = &in.callout.Headers
		}
	case abi.MapHTTPCallResponseTrailers:
		if in.callout != nil {
			h = &in.callout.Trailers
		}
	case abi.MapGRPCInitialMetadata, abi.MapGRPCTrailingMetadata:
	default:
		return nil, abi.StatusBadArgument
	}
	if h == nil {
		return nil, abi.StatusNotFound
	}
	return h, abi.StatusOK
}

// Header map operations, pure over the pair slice; keys compare
// case-insensitively and are stored lower-case.
func headerGet(h []abi.Pair, key string) (string, bool) {
	for _, p := range h {
		if strings.EqualFold(p.Key, key) {
			return p.Value, true
		}
	}
	return "", false
}

func headerRemove(h []abi.Pair, key string) []abi.Pair {
	out := h[:0:0]
	for _, p := range h {
		if !strings.EqualFold(p.Key, key) {
			out = append(out, p)
		}
	}
	return out
}

func headerReplace(h []abi.Pair, key, value string) []abi.Pair {
	for i, p := range h {
		if strings.EqualFold(p.Key, key) {
			out := append(h[:i:i], abi.Pair{Key: p.Key, Value: value})
			return append(out, headerRemove(h[i+1:], key)...)
		}
	}
	return append(h, abi.Pair{Key: strings.ToLower(key), Value: value})
}

func headerFuncs() []hostFunc {
	mapArg := func(in *instance, s []uint64) (*Headers, abi.Status) {
		return in.headerMap(abi.MapType(uint32(s[0])))
	}
	keyArg := func(in *instance, s []uint64) (string, bool) {
		return readString(in.mem, uint32(s[1]), uint32(s[2]))
	}
	return []hostFunc{
		{"proxy_get_header_map_size", i32s(2), func(in *instance, s []uint64) abi.Status {
			h, st := mapArg(in, s)
			if st != abi.StatusOK {
				return st
			}
			if !writeU32(in.mem, uint32(s[1]), uint32(abi.EncodedMapSize(*h))) {
				return abi.StatusInvalidMemoryAccess
			}
			return abi.StatusOK
		}},
		{"proxy_get_header_map_pairs", i32s(3), func(in *instance, s []uint64) abi.Status {
			h, st := mapArg(in, s)
			if st != abi.StatusOK {
				return st
			}
			return in.returnBytes(abi.EncodeMap(nil, *h), uint32(s[1]), uint32(s[2]))
		}},
		{"proxy_set_header_map_pairs", i32s(3), func(in *instance, s []uint64) abi.Status {
			h, st := mapArg(in, s)
			if st != abi.StatusOK {
				return st
			}
			b, ok := view(in.mem, uint32(s[1]), uint32(s[2]))
			if !ok {
				return abi.StatusInvalidMemoryAccess
			}
			pairs, err := abi.DecodeMap(b)
			if err != nil {
				return abi.StatusBadArgument
			}
			*h = pairs
			return abi.StatusOK
		}},
		{"proxy_get_header_map_value", i32s(5), func(in *instance, s []uint64) abi.Status {
			h, st := mapArg(in, s)
			if st != abi.StatusOK {
				return st
			}
			kb, ok := view(in.mem, uint32(s[1]), uint32(s[2]))
			if !ok {
				return abi.StatusInvalidMemoryAccess
			}
			// The key does not escape: short keys convert on the stack.
			v, found := headerGet(*h, string(kb))
			if !found {
				return abi.StatusNotFound
			}
			return in.returnString(v, uint32(s[3]), uint32(s[4]))
		}},
		{"proxy_add_header_map_value", i32s(5), func(in *instance, s []uint64) abi.Status {
			h, st := mapArg(in, s)
			if st != abi.StatusOK {
				return st
			}
			k, ok1 := keyArg(in, s)
			v, ok2 := readString(in.mem, uint32(s[3]), uint32(s[4]))
			if !ok1 || !ok2 {
				return abi.StatusInvalidMemoryAccess
			}
			*h = append(*h, abi.Pair{Key: strings.ToLower(k), Value: v})
			return abi.StatusOK
		}},
		{"proxy_replace_header_map_value", i32s(5), func(in *instance, s []uint64) abi.Status {
			h, st := mapArg(in, s)
			if st != abi.StatusOK {
				return st
			}
			k, ok1 := keyArg(in, s)
			v, ok2 := readString(in.mem, uint32(s[3]), uint32(s[4]))
			if !ok1 || !ok2 {
				return abi.StatusInvalidMemoryAccess
			}
			*h = headerReplace(*h, k, v)
			return abi.StatusOK
		}},
		{"proxy_remove_header_map_value", i32s(3), func(in *instance, s []uint64) abi.Status {
			h, st := mapArg(in, s)
			if st != abi.StatusOK {
				return st
			}
			k, ok := keyArg(in, s)
			if !ok {
				return abi.StatusInvalidMemoryAccess
			}
			*h = headerRemove(*h, k)
			return abi.StatusOK
		}},
	}
}
