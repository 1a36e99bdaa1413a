package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Config configures a Tracer. It is plain data, validated by New.
type Config struct {
	Endpoint        string  // collector host:port
	Protocol        string  // "grpc" (default) or "http"
	SamplingPercent float64 // for traces this proxy starts; 0..100
	MeshID          string  // istio.mesh_id tag
	NodeID          string  // node_id tag
	Service         string  // service.name of the exported resource
}

// ErrConfig marks an invalid Config.
var ErrConfig = errors.New("tracing: invalid config")

// Tracer starts and exports the proxy's spans.
type Tracer struct {
	tp    *sdktrace.TracerProvider
	tr    trace.Tracer
	prop  propagation.TextMapPropagator
	attrs []attribute.KeyValue
}

// New returns a Tracer exporting to cfg.Endpoint. Shutdown flushes it.
func New(ctx context.Context, cfg Config) (*Tracer, error) {
	if cfg.Endpoint == "" {
		return nil, fmt.Errorf("%w: empty endpoint", ErrConfig)
	}
	if cfg.SamplingPercent < 0 || cfg.SamplingPercent > 100 {
		return nil, fmt.Errorf("%w: sampling percentage %v outside 0..100", ErrConfig, cfg.SamplingPercent)
	}
	var exp sdktrace.SpanExporter
	var err error
	switch cfg.Protocol {
	case "", "grpc":
		exp, err = otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(cfg.Endpoint), otlptracegrpc.WithInsecure())
	case "http":
		exp, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(cfg.Endpoint), otlptracehttp.WithInsecure())
	default:
		return nil, fmt.Errorf("%w: protocol %q (want grpc or http)", ErrConfig, cfg.Protocol)
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: exporter: %w", err)
	}
	svc := cfg.Service
	if svc == "" {
		svc = "meshproxy"
	}
	res := resource.NewSchemaless(attribute.String("service.name", svc))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SamplingPercent/100))))
	return &Tracer{tp: tp, tr: tp.Tracer("meshproxy"),
		prop: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, b3{}),
		attrs: []attribute.KeyValue{attribute.String("istio.mesh_id", cfg.MeshID), attribute.String("node_id", cfg.NodeID),
			attribute.String("component", "proxy")}}, nil
}

// Shutdown exports the buffered spans and stops the exporter.
func (t *Tracer) Shutdown(ctx context.Context) error { return t.tp.Shutdown(ctx) }

// Span is one proxied request's span.
type Span struct{ s trace.Span }

// Start continues the request's trace (W3C or B3 headers) or starts one, and
// opens a span named Istio's way, "<host>:<port>/*" for the route's
// destination (name), with the request tags. outbound selects the client kind
// (a sidecar's outbound hop) over the server kind.
func (t *Tracer) Start(r *http.Request, name string, outbound bool) (context.Context, *Span) {
	ctx := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	kind := trace.SpanKindServer
	if outbound {
		kind = trace.SpanKindClient
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	ctx, s := t.tr.Start(ctx, name, trace.WithSpanKind(kind), trace.WithAttributes(t.attrs...),
		trace.WithAttributes(attribute.String("http.method", r.Method),
			attribute.String("http.url", scheme+"://"+r.Host+r.URL.RequestURI()),
			attribute.String("http.protocol", r.Proto)))
	return ctx, &Span{s: s}
}

// Inject writes the span's context into the upstream request's headers in
// both W3C and B3 form, replacing what the downstream sent.
func (t *Tracer) Inject(ctx context.Context, h http.Header) {
	for _, k := range t.prop.Fields() {
		h.Del(k)
	}
	t.prop.Inject(ctx, propagation.HeaderCarrier(h))
}

// End records the outcome and ends the span.
func (sp *Span) End(status int, flags, cluster string) {
	sp.s.SetAttributes(attribute.String("http.status_code", strconv.Itoa(status)),
		attribute.String("response_flags", flags), attribute.String("upstream_cluster", cluster))
	if status >= 500 || status == 0 {
		sp.s.SetStatus(codes.Error, "")
	}
	sp.s.End()
}
