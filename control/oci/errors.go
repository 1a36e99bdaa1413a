package oci

import "errors"

// Errors callers branch on; returned errors wrap them and name the
// reference and what failed.
var (
	// ErrBadRef: the reference does not parse.
	ErrBadRef = errors.New("oci: bad reference")
	// ErrNotFound: no such repository, tag, manifest or blob.
	ErrNotFound = errors.New("oci: not found")
	// ErrUnauthorized: the registry refused the credentials or the token.
	ErrUnauthorized = errors.New("oci: unauthorized")
	// ErrDigestMismatch: content does not hash to the digest that names it.
	ErrDigestMismatch = errors.New("oci: digest mismatch")
	// ErrNotWasm: the image is not a Wasm image in either format.
	ErrNotWasm = errors.New("oci: not a Wasm image")
	// ErrTooLarge: a manifest, blob or module exceeds its size limit.
	ErrTooLarge = errors.New("oci: too large")
	// ErrBadManifest: the manifest does not decode or is not one image.
	ErrBadManifest = errors.New("oci: bad manifest")
	// ErrInsecure: plain http was needed for a registry not allowed it.
	ErrInsecure = errors.New("oci: plain http refused")
	// ErrRegistry: the registry answered with an unexpected status.
	ErrRegistry = errors.New("oci: registry error")
)
