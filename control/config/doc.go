// Package config is wasmesh's Galley: it decodes configuration documents
// (YAML or JSON, several per file) strictly into control/api types, applies
// defaults, validates them and reports every problem at once with file,
// line and field path, e.g.
//
//	vs.yaml:12: spec.http[0].route[1].weight: must be between 0 and 100, got 140
//
// Decoding, defaults, validation and Analyze (warnings about references
// that do not resolve yet) are pure functions. Snapshot is an immutable set
// of configs; LoadDir reads a directory into one, all or nothing. The
// runner that watches a directory and writes through to it is the
// subpackage dirstore; configapi serves it over HTTP.
package config
