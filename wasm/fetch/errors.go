package fetch

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidConfig is wrapped by errors New returns for a bad Config.
	ErrInvalidConfig = errors.New("fetch: invalid config")
	// ErrInvalidURI is wrapped by errors about a malformed or refused module URI.
	ErrInvalidURI = errors.New("fetch: invalid module uri")
	// ErrNotSupported is wrapped by errors for a URI scheme that is recognised but not supported
	// yet (oci://).
	ErrNotSupported = errors.New("fetch: not supported yet")
	// ErrInvalidDigest is wrapped by errors about a malformed expected sha256.
	ErrInvalidDigest = errors.New("fetch: invalid sha256")
)

// DigestMismatchError reports a module whose sha256 is not the expected one.
type DigestMismatchError struct {
	URI  string
	Want string // expected sha256, hex
	Got  string // sha256 of the fetched bytes, hex
}

func (e *DigestMismatchError) Error() string {
	return fmt.Sprintf("fetch: %s: sha256 mismatch: want %s, got %s", e.URI, e.Want, e.Got)
}

// TooLargeError reports a module above the size limit.
type TooLargeError struct {
	URI   string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("fetch: %s: module larger than %d bytes", e.URI, e.Limit)
}

// HTTPStatusError reports a non-2xx answer.
type HTTPStatusError struct {
	URI        string
	StatusCode int
}

func (e *HTTPStatusError) Error() string {
	return fmt.Sprintf("fetch: %s: http status %d", e.URI, e.StatusCode)
}

// BlockedAddressError reports a refused destination (link-local, cloud metadata, or a private
// address without AllowPrivate).
type BlockedAddressError struct {
	Address string // host or IP as dialed
	Reason  string
}

func (e *BlockedAddressError) Error() string {
	return fmt.Sprintf("fetch: refusing to connect to %s: %s", e.Address, e.Reason)
}
