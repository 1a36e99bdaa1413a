package main

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/wasmesh/wasmesh/sdk/jsonenc"
)

// appendArgs appends the foreign function's argument for in: the bytes
// json.Marshal(evalArgs{...}) produces, written by hand because reflection
// and map sorting are costly inside the Wasm guest on every request, less
// the fields need says the policy never observes (with everything, none).
func appendArgs(b []byte, policy, entrypoint string, in *input, need needs) []byte {
	return appendInput(appendArgsPrefix(b, policy, entrypoint), in, need, nil)
}

// appendArgsPrefix appends the argument up to the input's first field: the
// same for every request of a plugin, so the filter encodes it once.
func appendArgsPrefix(b []byte, policy, entrypoint string) []byte {
	b = append(b, `{"policy":`...)
	b = jsonenc.AppendString(b, policy)
	b = append(b, `,"entrypoint":`...)
	b = jsonenc.AppendString(b, entrypoint)
	return append(b, `,"input":{`...)
}

// appendInput appends the input's fields and closes the argument. A
// non-nil cache keeps the latest source object's encoding.
func appendInput(b []byte, in *input, need needs, cache *sourceCache) []byte {
	first := true
	if need.source() {
		b = appendSource(b, &in.Source, need, cache)
		first = false
	}
	if need.destination() {
		b = appendKey(b, first, `"destination":`)
		b = append(b, '{')
		f := true
		if need.service {
			b, f = appendOptString(b, f, `"service":`, in.Destination.Service)
		}
		if need.port && in.Destination.Port != 0 {
			b = appendKey(b, f, `"port":`)
			b = strconv.AppendInt(b, int64(in.Destination.Port), 10)
		}
		b = append(b, '}')
		first = false
	}
	if need.request() {
		b = appendRequest(appendKey(b, first, `"request":`), &in.Request, need)
		first = false
	}
	if need.mtls {
		b = appendKey(b, first, `"connection":`)
		b = append(b, `{"mtls":`...)
		b = strconv.AppendBool(b, in.Connection.MTLS)
		b = append(b, '}')
	}
	return append(b, "}}"...)
}

// sourceCache holds the encoding of the latest source object: the requests
// of a connection share their peer, and its SPIFFE ID is the longest string
// a typical argument has to escape.
type sourceCache struct {
	src source
	enc []byte
}

// appendSource appends the source object, from cache when it holds the
// same source.
func appendSource(b []byte, s *source, need needs, cache *sourceCache) []byte {
	if cache != nil && cache.enc != nil && cache.src == *s {
		return append(b, cache.enc...)
	}
	start := len(b)
	b = append(b, `"source":{`...)
	f := true
	if need.principal {
		b, f = appendOptString(b, f, `"principal":`, s.Principal)
	}
	if need.namespace {
		b, f = appendOptString(b, f, `"namespace":`, s.Namespace)
	}
	if need.ip {
		b, _ = appendOptString(b, f, `"ip":`, s.IP)
	}
	b = append(b, '}')
	if cache != nil {
		cache.src, cache.enc = *s, append(cache.enc[:0], b[start:]...)
	}
	return b
}

// appendRequest appends the request object.
func appendRequest(b []byte, r *reqAttrs, need needs) []byte {
	b = append(b, '{')
	first := true
	if need.method {
		b = jsonenc.AppendString(append(b, `"method":`...), r.Method)
		first = false
	}
	if need.path {
		b = jsonenc.AppendString(appendKey(b, first, `"path":`), r.Path)
		first = false
	}
	if need.host {
		b = jsonenc.AppendString(appendKey(b, first, `"host":`), r.Host)
		first = false
	}
	if need.headers {
		b = appendStringMap(appendKey(b, first, `"headers":`), r.Headers)
		first = false
	}
	if need.query {
		b = appendStringMap(appendKey(b, first, `"query":`), r.Query)
		first = false
	}
	if need.time {
		b = jsonenc.AppendString(appendKey(b, first, `"time":`), r.Time)
		first = false
	}
	if a := r.Auth; need.auth && a != nil {
		b = appendKey(b, first, `"auth":`)
		b = append(b, '{')
		f := true
		b, f = appendOptString(b, f, `"principal":`, a.Principal)
		if len(a.Claims) > 0 {
			if c, err := json.Marshal(a.Claims); err == nil { // rare: only behind a verified JWT
				b = append(appendKey(b, f, `"claims":`), c...)
			}
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendKey appends key, a quoted key and its colon (`"key":`), preceded by
// a comma unless first: one append per literal, as every append is a bounds
// check and a call inside the guest.
func appendKey(b []byte, first bool, key string) []byte {
	if !first {
		b = append(b, ',')
	}
	return append(b, key...)
}

// appendOptString appends key (`"key":`) and value unless value is empty
// (omitempty).
func appendOptString(b []byte, first bool, key, value string) ([]byte, bool) {
	if value == "" {
		return b, first
	}
	return jsonenc.AppendString(appendKey(b, first, key), value), false
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
		b = jsonenc.AppendString(b, k)
		b = append(b, ':')
		b = jsonenc.AppendString(b, m[k])
	}
	return append(b, '}')
}
