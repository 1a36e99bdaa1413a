package config

import (
	"fmt"
	"net/url"

	tracev3 "github.com/envoyproxy/go-control-plane/envoy/config/trace/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
)

// TracerOpenTelemetry is the OpenTelemetry tracer's extension name.
const TracerOpenTelemetry = "envoy.tracers.opentelemetry"

// Tracing is a translated HttpConnectionManager.tracing with the
// OpenTelemetry provider.
type Tracing struct {
	SamplingPercent float64 // random_sampling (Envoy's default 100)
	ServiceName     string
	Protocol        string            // "grpc" or "http"
	Cluster         string            // grpc_service.envoy_grpc: export through this cluster's hosts
	Target          string            // grpc_service.google_grpc target (host:port), or the http_service host:port
	URLPath         string            // http_service path (OTLP/HTTP)
	Tags            map[string]string // literal custom_tags
}

func tracing(t *hcmv3.HttpConnectionManager_Tracing) (*Tracing, error) {
	if err := onlyFields(t, "random_sampling", "custom_tags", "provider", "max_path_tag_length", "verbose"); err != nil {
		return nil, err
	}
	out := &Tracing{SamplingPercent: 100}
	if rs := t.GetRandomSampling(); rs != nil {
		out.SamplingPercent = rs.GetValue()
		if out.SamplingPercent < 0 || out.SamplingPercent > 100 {
			return nil, invalid("random_sampling", "%v outside 0..100", out.SamplingPercent)
		}
	}
	for i, ct := range t.GetCustomTags() {
		if ct.GetLiteral() == nil {
			return nil, unsupported(fmt.Sprintf("custom_tags[%d]", i), "only literal tags")
		}
		if out.Tags == nil {
			out.Tags = map[string]string{}
		}
		out.Tags[ct.GetTag()] = ct.GetLiteral().GetValue()
	}
	p := t.GetProvider()
	if p == nil {
		return nil, invalid("provider", "missing")
	}
	if p.GetName() != TracerOpenTelemetry {
		return nil, unsupported("provider.name", "tracer %q (only %s)", p.GetName(), TracerOpenTelemetry)
	}
	var oc tracev3.OpenTelemetryConfig
	if err := p.GetTypedConfig().UnmarshalTo(&oc); err != nil {
		return nil, invalid("provider.typed_config", "%v", err)
	}
	if err := onlyFields(&oc, "grpc_service", "http_service", "service_name"); err != nil {
		return nil, at("provider.typed_config", err)
	}
	out.ServiceName = oc.GetServiceName()
	switch {
	case oc.GetGrpcService().GetEnvoyGrpc() != nil:
		out.Protocol, out.Cluster = "grpc", oc.GetGrpcService().GetEnvoyGrpc().GetClusterName()
	case oc.GetGrpcService().GetGoogleGrpc() != nil:
		out.Protocol, out.Target = "grpc", oc.GetGrpcService().GetGoogleGrpc().GetTargetUri()
	case oc.GetHttpService() != nil:
		u, err := url.Parse(oc.GetHttpService().GetHttpUri().GetUri())
		if err != nil || u.Host == "" || u.Scheme != "http" {
			return nil, invalid("provider.typed_config.http_service.http_uri.uri", "want an http:// URL")
		}
		out.Protocol, out.Target, out.URLPath = "http", u.Host, u.Path
	default:
		return nil, invalid("provider.typed_config", "neither grpc_service nor http_service")
	}
	if out.Cluster == "" && out.Target == "" {
		return nil, invalid("provider.typed_config", "empty collector address")
	}
	return out, nil
}
