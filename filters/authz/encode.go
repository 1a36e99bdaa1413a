package main

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendArgs appends the foreign function's argument for in: the bytes
// json.Marshal(evalArgs{...}) produces, written by hand because reflection
// and map sorting are costly inside the Wasm guest on every request.
func appendArgs(b []byte, policy, entrypoint string, in *input) []byte {
	b = append(b, `{"policy":`...)
	b = appendString(b, policy)
	b = append(b, `,"entrypoint":`...)
	b = appendString(b, entrypoint)
	b = append(b, `,"input":{"source":{`...)
	first := true
	b, first = appendOptString(b, first, "principal", in.Source.Principal)
	b, first = appendOptString(b, first, "namespace", in.Source.Namespace)
	b, _ = appendOptString(b, first, "ip", in.Source.IP)
	b = append(b, `},"destination":{`...)
	b, first = appendOptString(b, true, "service", in.Destination.Service)
	if in.Destination.Port != 0 {
		if !first {
			b = append(b, ',')
		}
		b = append(b, `"port":`...)
		b = strconv.AppendInt(b, int64(in.Destination.Port), 10)
	}
	r := &in.Request
	b = append(b, `},"request":{"method":`...)
	b = appendString(b, r.Method)
	b = append(b, `,"path":`...)
	b = appendString(b, r.Path)
	b = append(b, `,"host":`...)
	b = appendString(b, r.Host)
	b = append(b, `,"headers":`...)
	b = appendStringMap(b, r.Headers)
	b = append(b, `,"query":`...)
	b = appendStringMap(b, r.Query)
	b = append(b, `,"time":`...)
	b = appendString(b, r.Time)
	if a := r.Auth; a != nil {
		b = append(b, `,"auth":{`...)
		b, first = appendOptString(b, true, "principal", a.Principal)
		if len(a.Claims) > 0 {
			if c, err := json.Marshal(a.Claims); err == nil { // rare: only behind a verified JWT
				if !first {
					b = append(b, ',')
				}
				b = append(b, `"claims":`...)
				b = append(b, c...)
			}
		}
		b = append(b, '}')
	}
	b = append(b, `},"connection":{"mtls":`...)
	b = strconv.AppendBool(b, in.Connection.MTLS)
	return append(b, "}}}"...)
}

// appendOptString appends "key":value unless value is empty (omitempty).
func appendOptString(b []byte, first bool, key, value string) ([]byte, bool) {
	if value == "" {
		return b, first
	}
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, `":`...)
	return appendString(b, value), false
}

// appendStringMap appends m as a JSON object with sorted keys; nil is null.
func appendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string escaped as encoding/json escapes
// it: control characters, <, > and &, U+2028 and U+2029, and invalid UTF-8
// replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
