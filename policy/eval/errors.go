package eval

import (
	"errors"
	"strings"
)

// Sentinel errors callers branch on.
var (
	// ErrEvalTrap: the evaluation trapped, aborted or ran out of time or
	// memory. The instance that ran it was discarded.
	ErrEvalTrap = errors.New("eval: evaluation trapped")
	// ErrUnknownEntrypoint: the policy has no such entrypoint.
	ErrUnknownEntrypoint = errors.New("eval: unknown entrypoint")
	// ErrUnsupportedBuiltin: the module imports a builtin this evaluator
	// does not implement.
	ErrUnsupportedBuiltin = errors.New("eval: unsupported builtin")
	// ErrInvalidModule: the bytes are not an OPA Wasm policy of ABI 1.2 or later.
	ErrInvalidModule = errors.New("eval: invalid policy module")
	// ErrUnknownPolicy: no policy is registered under the name or digest.
	ErrUnknownPolicy = errors.New("eval: unknown policy")
	// ErrBadDecision: the policy result is not a decision.
	ErrBadDecision = errors.New("eval: bad decision")
	// ErrClosed: the engine or policy was closed.
	ErrClosed = errors.New("eval: closed")
)

// UnsupportedBuiltinError names the builtins a module needs that the
// evaluator lacks. It matches ErrUnsupportedBuiltin with errors.Is.
type UnsupportedBuiltinError struct {
	Names []string
}

func (e *UnsupportedBuiltinError) Error() string {
	return "eval: unsupported builtin: " + strings.Join(e.Names, ", ")
}

// Unwrap returns ErrUnsupportedBuiltin.
func (e *UnsupportedBuiltinError) Unwrap() error { return ErrUnsupportedBuiltin }

var _ error = (*UnsupportedBuiltinError)(nil)
