package guest

import (
	"fmt"

	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

// expect logs the outcome of one check.
func expect(name string, ok bool, format string, args ...any) bool {
	if ok {
		proxywasm.LogInfo("conformance: ok " + name)
	} else {
		proxywasm.LogError("conformance: FAIL " + name + ": " + fmt.Sprintf(format, args...))
	}
	return ok
}

// noErr is expect for a call that must succeed.
func noErr(name string, err error) bool { return expect(name, err == nil, "%v", err) }

func header(hdrs [][2]string, key string) (string, int) {
	v, n := "", 0
	for _, h := range hdrs {
		if h[0] == key {
			if n == 0 {
				v = h[1]
			}
			n++
		}
	}
	return v, n
}
