//go:build !(linux && amd64)

package runtime

import (
	"fmt"
	"runtime"
	"unsafe"
)

// pollStub: the native loop check is only built for linux/amd64; elsewhere
// loop checks keep wazero's trampoline.
type pollStub struct {
	code unsafe.Pointer
}

func newPollStub() (*pollStub, error) {
	return nil, fmt.Errorf("%w: no loop-check stub on %s/%s", errNoShim, runtime.GOOS, runtime.GOARCH)
}

func (s *pollStub) setTrampoline(unsafe.Pointer) error { return errNoShim }
func (s *pollStub) trampoline() unsafe.Pointer         { return nil }
func (s *pollStub) beat(int64, int64)                  {}
