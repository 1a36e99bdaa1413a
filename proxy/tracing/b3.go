package tracing

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// B3 header names (Zipkin's propagation, which Istio's Envoy sidecars use).
const (
	b3Single  = "b3"
	b3TraceID = "x-b3-traceid"
	b3SpanID  = "x-b3-spanid"
	b3Sampled = "x-b3-sampled"
	b3Parent  = "x-b3-parentspanid"
	b3Flags   = "x-b3-flags"
)

// b3 is a propagation.TextMapPropagator for B3: it extracts the single and
// the multi-header forms and injects the multi-header form.
type b3 struct{}

var _ propagation.TextMapPropagator = b3{}

func (b3) Fields() []string {
	return []string{b3TraceID, b3SpanID, b3Sampled, b3Parent, b3Flags, b3Single}
}

func (b3) Inject(ctx context.Context, c propagation.TextMapCarrier) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return
	}
	c.Set(b3TraceID, sc.TraceID().String())
	c.Set(b3SpanID, sc.SpanID().String())
	if sc.IsSampled() {
		c.Set(b3Sampled, "1")
	} else {
		c.Set(b3Sampled, "0")
	}
}

func (b3) Extract(ctx context.Context, c propagation.TextMapCarrier) context.Context {
	var tid, sid, sampled string
	if v := c.Get(b3Single); v != "" {
		parts := strings.Split(v, "-")
		if len(parts) < 2 {
			return ctx
		}
		tid, sid = parts[0], parts[1]
		if len(parts) > 2 {
			sampled = parts[2]
		}
	} else {
		tid, sid, sampled = c.Get(b3TraceID), c.Get(b3SpanID), c.Get(b3Sampled)
		if c.Get(b3Flags) == "1" {
			sampled = "1"
		}
	}
	if len(tid) == 16 {
		tid = strings.Repeat("0", 16) + tid // 64-bit trace ids are left-padded
	}
	traceID, err := trace.TraceIDFromHex(tid)
	if err != nil {
		return ctx
	}
	spanID, err := trace.SpanIDFromHex(sid)
	if err != nil {
		return ctx
	}
	var flags trace.TraceFlags
	if sampled == "1" || sampled == "d" || sampled == "true" {
		flags = trace.FlagsSampled
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: spanID, TraceFlags: flags, Remote: true})
	return trace.ContextWithRemoteSpanContext(ctx, sc)
}
