package pilot

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tracev3 "github.com/envoyproxy/go-control-plane/envoy/config/trace/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
)

// TracerOpenTelemetry is the OpenTelemetry tracer's extension name.
const TracerOpenTelemetry = "envoy.tracers.opentelemetry"

// emitTracing is HCM tracing with the OpenTelemetry provider exporting over
// gRPC through the collector cluster; nil when t is nil.
func emitTracing(t *TracingIR) *hcmv3.HttpConnectionManager_Tracing {
	if t == nil {
		return nil
	}
	otel := &tracev3.OpenTelemetryConfig{ServiceName: t.ServiceName, GrpcService: &corev3.GrpcService{
		TargetSpecifier: &corev3.GrpcService_EnvoyGrpc_{EnvoyGrpc: &corev3.GrpcService_EnvoyGrpc{ClusterName: t.Cluster}}}}
	return &hcmv3.HttpConnectionManager_Tracing{RandomSampling: &typev3.Percent{Value: t.SamplingPercent},
		Provider: &tracev3.Tracing_Http{Name: TracerOpenTelemetry, ConfigType: &tracev3.Tracing_Http_TypedConfig{TypedConfig: mustAny(otel)}}}
}
