package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrInvalid is matched (errors.Is) by every ErrorList.
var ErrInvalid = errors.New("config: invalid configuration")

// Errors of stores (Apply, Delete) that callers branch on.
var (
	// ErrNotFound: no config with that kind, namespace and name.
	ErrNotFound = errors.New("config: not found")
	// ErrNotWritable: the config lives where the store cannot rewrite it
	// (inside a Kubernetes List document); edit the file instead.
	ErrNotWritable = errors.New("config: cannot rewrite the file holding this config")
)

// Error is one problem in a configuration document.
type Error struct {
	// File the document came from; empty for configs not read from a file.
	File string `json:"file,omitempty"`
	// Line in File (1-based); 0 when unknown.
	Line int `json:"line,omitempty"`
	// Path of the field, e.g. "spec.http[0].route[1].weight"; empty for
	// document-level problems.
	Path string `json:"path,omitempty"`
	// Message says what is wrong.
	Message string `json:"message"`
}

// Error renders "file:line: path: message", leaving out the empty parts.
func (e Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// ErrorList is every problem found, in file and line order. A nil or empty
// list means no problem; functions return it as an error only when it is
// not empty.
type ErrorList []Error

// Error renders one problem per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Is makes errors.Is(list, ErrInvalid) true.
func (l ErrorList) Is(target error) bool { return target == ErrInvalid }

// Err returns the list as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.sort()
	return l
}

func (l ErrorList) sort() {
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].File != l[j].File {
			return l[i].File < l[j].File
		}
		return l[i].Line < l[j].Line
	})
}

// Warning is a problem that does not make a config invalid, such as a
// reference to a host or gateway not known yet. It has the same shape as
// Error.
type Warning = Error
