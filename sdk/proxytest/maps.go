//go:build !wasip1

package proxytest

import (
	"strings"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// headerMap returns the map a host call addresses, for the effective stream
// or the HTTP call response being delivered.
func (e *hostEmulator) headerMap(mt abi.MapType) *[][2]string {
	if mt == abi.MapHTTPCallResponseHeaders || mt == abi.MapHTTPCallResponseTrailers {
		if e.callResponse == nil {
			return nil
		}
		if mt == abi.MapHTTPCallResponseHeaders {
			return &e.callResponse.headers
		}
		return &e.callResponse.trailers
	}
	s := e.https[e.effective]
	if s == nil {
		return nil
	}
	switch mt {
	case abi.MapHTTPRequestHeaders:
		return &s.reqHeaders
	case abi.MapHTTPRequestTrailers:
		return &s.reqTrailers
	case abi.MapHTTPResponseHeaders:
		return &s.respHeaders
	case abi.MapHTTPResponseTrailers:
		return &s.respTrailers
	}
	return nil
}

func (e *hostEmulator) GetHeaderMapSize(mt abi.MapType) (uint32, abi.Status) {
	m := e.headerMap(mt)
	if m == nil {
		return 0, abi.StatusNotFound
	}
	return uint32(abi.EncodedMapSize(toPairs(*m))), abi.StatusOK
}

func (e *hostEmulator) GetHeaderMapPairs(mt abi.MapType) ([]byte, abi.Status) {
	m := e.headerMap(mt)
	if m == nil {
		return nil, abi.StatusNotFound
	}
	return abi.EncodeMap(nil, toPairs(*m)), abi.StatusOK
}

func (e *hostEmulator) SetHeaderMapPairs(mt abi.MapType, serialized []byte) abi.Status {
	m := e.headerMap(mt)
	if m == nil {
		return abi.StatusNotFound
	}
	ps, err := abi.DecodeMap(serialized)
	if err != nil {
		return abi.StatusBadArgument
	}
	*m = lowerKeys(toKV(ps))
	return abi.StatusOK
}

// GetHeaderMapValue returns the first value of key (keys compare
// case-insensitively, as HTTP header names do).
func (e *hostEmulator) GetHeaderMapValue(mt abi.MapType, key string) ([]byte, abi.Status) {
	m := e.headerMap(mt)
	if m == nil {
		return nil, abi.StatusNotFound
	}
	for _, p := range *m {
		if strings.EqualFold(p[0], key) {
			return []byte(p[1]), abi.StatusOK
		}
	}
	return nil, abi.StatusNotFound
}

func (e *hostEmulator) AddHeaderMapValue(mt abi.MapType, key, value string) abi.Status {
	m := e.headerMap(mt)
	if m == nil {
		return abi.StatusNotFound
	}
	*m = append(*m, [2]string{strings.ToLower(key), value})
	return abi.StatusOK
}

// ReplaceHeaderMapValue leaves key with the single value, in the place of its
// first occurrence, or appended when absent.
func (e *hostEmulator) ReplaceHeaderMapValue(mt abi.MapType, key, value string) abi.Status {
	m := e.headerMap(mt)
	if m == nil {
		return abi.StatusNotFound
	}
	out := (*m)[:0:0]
	found := false
	for _, p := range *m {
		if strings.EqualFold(p[0], key) {
			if found {
				continue
			}
			found = true
			p[1] = value
		}
		out = append(out, p)
	}
	if !found {
		out = append(out, [2]string{strings.ToLower(key), value})
	}
	*m = out
	return abi.StatusOK
}

func (e *hostEmulator) RemoveHeaderMapValue(mt abi.MapType, key string) abi.Status {
	m := e.headerMap(mt)
	if m == nil {
		return abi.StatusNotFound
	}
	out := (*m)[:0:0]
	for _, p := range *m {
		if !strings.EqualFold(p[0], key) {
			out = append(out, p)
		}
	}
	*m = out
	return abi.StatusOK
}
