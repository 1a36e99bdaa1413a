package compile

import (
	"errors"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/wasmesh/wasmesh/policy/eval"
)

// CodeUnsupportedBuiltin is the Code of errors for builtins the proxy lacks.
const CodeUnsupportedBuiltin = "unsupported_builtin"

// Error is one problem in a policy, with its place in the source when known.
type Error struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Code    string `json:"code,omitempty"` // OPA's error code, or CodeUnsupportedBuiltin
	Message string `json:"message"`
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		fmt.Fprintf(&b, "%s:%d:%d: ", e.File, e.Line, e.Column)
	}
	if e.Code != "" {
		b.WriteString(e.Code + ": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Errors is the list of problems Compile found. It matches
// eval.ErrUnsupportedBuiltin with errors.Is when one of them is an
// unsupported builtin.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return "compile: " + strings.Join(msgs, "; ")
}

// Unwrap exposes each error, and eval.ErrUnsupportedBuiltin if any.
func (es Errors) Unwrap() []error {
	out := make([]error, 0, len(es)+1)
	for _, e := range es {
		out = append(out, e)
		if e.Code == CodeUnsupportedBuiltin {
			out = append(out, eval.ErrUnsupportedBuiltin)
		}
	}
	return out
}

// fromOPA converts an error from OPA's parser or compiler.
func fromOPA(err error) Errors {
	var astErrs ast.Errors
	if errors.As(err, &astErrs) {
		out := make(Errors, 0, len(astErrs))
		for _, e := range astErrs {
			out = append(out, fromASTError(e))
		}
		return out
	}
	var astErr *ast.Error
	if errors.As(err, &astErr) {
		return Errors{fromASTError(astErr)}
	}
	return Errors{{Message: err.Error()}}
}

func fromASTError(e *ast.Error) *Error {
	out := &Error{Code: e.Code, Message: e.Message}
	if e.Location != nil {
		out.File, out.Line, out.Column = e.Location.File, e.Location.Row, e.Location.Col
	}
	return out
}

var (
	_ error = (*Error)(nil)
	_ error = Errors(nil)
)
