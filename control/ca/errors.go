package ca

import "errors"

// Errors callers branch on; the gRPC server maps them to status codes.
var (
	// ErrUnauthenticated: no credential, or one the Authenticator does not accept.
	ErrUnauthenticated = errors.New("ca: unauthenticated")
	// ErrPermissionDenied: the caller asked for an identity that is not its own, or a revoked one.
	ErrPermissionDenied = errors.New("ca: permission denied")
	// ErrInvalidCSR: the CSR is malformed, badly signed or uses an unsupported key.
	ErrInvalidCSR = errors.New("ca: invalid csr")
	// ErrPluginCA: the operation needs the self-signed root (a plug-in CA is rotated by replacing its files).
	ErrPluginCA = errors.New("ca: not supported with a plug-in CA")
	// ErrNoStagedRoot: ActivateRoot was called before StageRoot.
	ErrNoStagedRoot = errors.New("ca: no staged root to activate")
)
