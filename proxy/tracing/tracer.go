package tracing

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
)

// Config configures a Tracer, validated by New.
type Config struct {
	Endpoint        string  // collector host:port (with Dial: any name Dial understands)
	Protocol        string  // "grpc" (default) or "http"
	URLPath         string  // OTLP/HTTP path; default /v1/traces
	SamplingPercent float64 // for traces this proxy starts; 0..100
	Service         string  // service.name of the exported resource
	// Dial, when set, connects to the gRPC collector (e.g. through a cluster's hosts).
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// BatchTimeout is how long spans wait before export; default 1 s.
	BatchTimeout time.Duration
}

// ErrConfig marks an invalid Config.
var ErrConfig = errors.New("tracing: invalid config")

// Tracer starts and exports the proxy's spans.
type Tracer struct {
	tp   *sdktrace.TracerProvider
	tr   trace.Tracer
	prop propagation.TextMapPropagator
}

// Tags are span tags set on every span of a listener (Istio's
// istio.mesh_id, node_id and custom tags); component=proxy is always added.
type Tags []attribute.KeyValue

// NewTags returns tags from a map, in key order.
func NewTags(m map[string]string) Tags {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := Tags{attribute.String("component", "proxy")}
	for _, k := range keys {
		out = append(out, attribute.String(k, m[k]))
	}
	return out
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
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(cfg.Endpoint), otlptracegrpc.WithInsecure()}
		if cfg.Dial != nil {
			opts = append(opts, otlptracegrpc.WithEndpoint("passthrough:///"+cfg.Endpoint),
				otlptracegrpc.WithDialOption(grpc.WithContextDialer(cfg.Dial)))
		}
		exp, err = otlptracegrpc.New(ctx, opts...)
	case "http":
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpoint(cfg.Endpoint), otlptracehttp.WithInsecure()}
		if cfg.URLPath != "" {
			opts = append(opts, otlptracehttp.WithURLPath(cfg.URLPath))
		}
		exp, err = otlptracehttp.New(ctx, opts...)
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
	bt := cfg.BatchTimeout
	if bt <= 0 {
		bt = time.Second
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(bt)), sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SamplingPercent/100))))
	return &Tracer{tp: tp, tr: tp.Tracer("meshproxy"),
		prop: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, b3{})}, nil
}

// Shutdown exports the buffered spans and stops the exporter.
func (t *Tracer) Shutdown(ctx context.Context) error { return t.tp.Shutdown(ctx) }

// Span is one proxied request's span.
type Span struct{ s trace.Span }

// Start continues the request's trace (W3C or B3 headers) or starts one, and
// opens a span named Istio's way, "<host>:<port>/*" for the route's
// destination (name), with the request tags. outbound selects the client kind
// (a sidecar's outbound hop) over the server kind.
func (t *Tracer) Start(r *http.Request, name string, outbound bool, tags Tags) (context.Context, *Span) {
	ctx := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	kind := trace.SpanKindServer
	if outbound {
		kind = trace.SpanKindClient
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	ctx, s := t.tr.Start(ctx, name, trace.WithSpanKind(kind))
	if s.IsRecording() { // unsampled requests only propagate: no tags built
		s.SetAttributes(tags...)
		s.SetAttributes(attribute.String("http.method", r.Method),
			attribute.String("http.url", scheme+"://"+r.Host+r.URL.RequestURI()),
			attribute.String("http.protocol", r.Proto), attribute.String("user_agent", r.UserAgent()),
			attribute.String("guid:x-request-id", r.Header.Get("X-Request-Id")))
	}
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

// Result is a request's outcome, recorded on its span.
type Result struct {
	Status            int
	Flags             string // Envoy's response flags, "-" for none
	Cluster           string // upstream cluster
	BytesIn, BytesOut int64
}

// End records the outcome and ends the span.
func (sp *Span) End(r Result) {
	if !sp.s.IsRecording() {
		sp.s.End()
		return
	}
	sp.s.SetAttributes(attribute.String("http.status_code", strconv.Itoa(r.Status)),
		attribute.String("response_flags", r.Flags), attribute.String("upstream_cluster", r.Cluster),
		attribute.Int64("request_size", r.BytesIn), attribute.Int64("response_size", r.BytesOut))
	if r.Status >= 500 || r.Status == 0 {
		sp.s.SetStatus(codes.Error, "")
	}
	sp.s.End()
}
