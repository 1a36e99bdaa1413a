//go:build !wasip1

package proxywasm

// encodePath encodes path into a new slice: native hosts (the proxytest
// emulator) may be driven from several goroutines, one after another.
func encodePath(path []string) []byte { return appendPath(nil, path) }
