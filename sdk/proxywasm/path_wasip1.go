//go:build wasip1

package proxywasm

// pathBuf is reused by every property access: the guest runs one callback
// at a time and the host reads the path before it returns.
var pathBuf []byte

// encodePath encodes path into pathBuf; the result is valid until the next
// call.
func encodePath(path []string) []byte {
	pathBuf = appendPath(pathBuf[:0], path)
	return pathBuf
}
