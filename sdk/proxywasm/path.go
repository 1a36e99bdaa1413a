package proxywasm

// appendPath appends a property path as [abi.EncodePropertyPath] encodes it
// (the tokens joined by NUL bytes), so that a path can be encoded into a
// reused buffer (see encodePath).
func appendPath(dst []byte, path []string) []byte {
	for i, t := range path {
		if i > 0 {
			dst = append(dst, 0)
		}
		dst = append(dst, t...)
	}
	return dst
}
