package xdsclient

import (
	"errors"
	"fmt"
)

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("xdsclient: invalid config")

// ErrAlreadyRunning is returned by Run when the client is already running.
var ErrAlreadyRunning = errors.New("xdsclient: already running")

// ResourceError says why one resource of a response could not be decoded. The client NACKs the
// response with its message without calling the Handler.
type ResourceError struct {
	TypeURL string
	Name    string // may be empty when the resource has no readable name
	Index   int    // position in the response
	Err     error
}

func (e *ResourceError) Error() string {
	return fmt.Sprintf("xdsclient: resource %d (%q) of %s: %v", e.Index, e.Name, e.TypeURL, e.Err)
}

func (e *ResourceError) Unwrap() error { return e.Err }
