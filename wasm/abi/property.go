package abi

import "strings"

// EncodePropertyPath joins path tokens with NUL bytes, as proxy_get_property
// and proxy_set_property expect: {"request", "path"} → "request\x00path".
func EncodePropertyPath(tokens ...string) []byte {
	return []byte(strings.Join(tokens, "\x00"))
}

// DecodePropertyPath splits a NUL-separated property path. A trailing NUL
// (as some SDKs send) is ignored. An empty input is an empty path.
func DecodePropertyPath(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\x00")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}
