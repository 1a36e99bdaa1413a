// Package api holds the configuration kinds wasmesh understands as plain Go
// types: Istio's networking.istio.io, security.istio.io, extensions.istio.io
// and telemetry.istio.io kinds with Istio's camelCase field names, and
// wasmesh's own policy.wasmesh.io Policy for Rego.
//
// The types are data only. Decoding (strict, with line numbers), defaults and
// validation live in control/config. Every document is wrapped in a Config
// envelope (apiVersion, kind, metadata, spec); Kinds lists every kind with its
// GroupVersionKind, the API versions accepted as aliases and the Go type of
// its spec, so that stores and CRD generation can enumerate them.
package api
