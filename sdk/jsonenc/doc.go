// Package jsonenc appends JSON strings exactly as encoding/json writes them,
// without reflection or allocation: filters that build JSON by hand on the
// request path (the authz filter's policy input, the telemetry filter's
// access-log records) share it. It builds for GOOS=wasip1 and natively.
package jsonenc
