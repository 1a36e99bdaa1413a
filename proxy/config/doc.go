// Package config translates Envoy v3 resources (the go-control-plane types)
// into meshproxy's own immutable runtime configuration.
//
// Translation is pure: each Translate* function takes one resource and returns
// plain data or an *Error naming the resource and the field that is invalid or
// unsupported. The proxy NACKs a push with that error; nothing unsupported is
// ignored silently. Bootstrap decoding (DecodeBootstrap) reads an Envoy
// bootstrap file in YAML or JSON.
package config
