// Package tracing gives meshproxy distributed tracing: it continues the
// trace of an incoming request from W3C traceparent or B3 headers (single
// "b3" or multi X-B3-*), starts a span per proxied request with Istio's span
// name and tags, injects both header formats upstream, samples new traces at
// a configured percentage (Telemetry random_sampling_percentage) and exports
// spans over OTLP (gRPC or HTTP) with the OpenTelemetry Go SDK.
package tracing
