// Package depcheck holds no code: its test enforces the dependency rules of
// DESIGN.md by asking the go tool what each layer really imports.
package depcheck
