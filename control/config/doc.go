// Package config is wasmesh's Galley: it decodes configuration documents
// (YAML or JSON, several per file) strictly into control/api types, applies
// defaults, validates them and reports every problem at once with file,
// line and field path, e.g.
//
//	vs.yaml:12: spec.http[0].route[1].weight: must be between 0 and 100, got 140
//
// Decoding, defaults, validation and Analyze (warnings about references
// that do not resolve yet) are pure functions. Snapshot is an immutable set
// of configs. DirStore is the runner: it loads a directory of YAML files,
// watches it (fsnotify, debounced), keeps the last good snapshot when a file
// is invalid, publishes new snapshots to subscribers, and implements
// Apply/Delete by writing files into the directory after validating them.
package config
