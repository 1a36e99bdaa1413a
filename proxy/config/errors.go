package config

import (
	"errors"
	"fmt"
)

// ErrUnsupported marks a field or value that is valid Envoy config but that
// meshproxy does not implement.
var ErrUnsupported = errors.New("unsupported")

// ErrInvalid marks a field whose value is malformed.
var ErrInvalid = errors.New("invalid")

// Error is a translation failure of one resource. Its text is suitable as the
// error_detail of an xDS NACK.
type Error struct {
	Kind     string // resource kind: listener, route, cluster, endpoints, secret, extension, bootstrap
	Resource string // resource name
	Field    string // dotted field path inside the resource
	Err      error  // ErrUnsupported, ErrInvalid or a wrapped cause
}

func (e *Error) Error() string {
	return fmt.Sprintf("config: %s %q: %s: %v", e.Kind, e.Resource, e.Field, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// fieldErr is an error inside a resource before the resource name is known.
type fieldErr struct {
	field string
	err   error
}

func (e *fieldErr) Error() string { return e.field + ": " + e.err.Error() }
func (e *fieldErr) Unwrap() error { return e.err }

func unsupported(field string, format string, args ...any) error {
	return &fieldErr{field: field, err: fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...)}
}

func invalid(field string, format string, args ...any) error {
	return &fieldErr{field: field, err: fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)}
}

// at prefixes the field path of err with prefix.
func at(prefix string, err error) error {
	if err == nil {
		return nil
	}
	var fe *fieldErr
	if errors.As(err, &fe) {
		p := prefix
		if fe.field != "" {
			p += "." + fe.field
		}
		return &fieldErr{field: p, err: fe.err}
	}
	return &fieldErr{field: prefix, err: err}
}

// wrap turns a field error into an *Error for resource kind/name.
func wrap(kind, name string, err error) error {
	if err == nil {
		return nil
	}
	var fe *fieldErr
	if errors.As(err, &fe) {
		return &Error{Kind: kind, Resource: name, Field: fe.field, Err: fe.err}
	}
	return &Error{Kind: kind, Resource: name, Field: "", Err: err}
}
