// Package ocitest is an in-memory OCI registry on loopback for tests: it
// serves manifests and blobs the test pushes, in both Wasm image formats,
// optionally behind the bearer-token flow or basic authentication.
package ocitest
