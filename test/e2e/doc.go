// Package e2e holds whole-mesh tests: meshd, meshproxy sidecars and small
// Go services as real processes and sockets on loopback. TestMain builds
// the binaries once into a temporary directory.
package e2e
