package tracing

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

func TestB3Extract(t *testing.T) {
	cases := []struct {
		name    string
		hdr     map[string]string
		trace   string
		sampled bool
	}{
		{"single", map[string]string{"b3": "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"}, "80f198ee56343ba864fe8b2a57d3eff7", true},
		{"multi 64-bit", map[string]string{"X-B3-TraceId": "64fe8b2a57d3eff7", "X-B3-SpanId": "e457b5a2e4d86bd1", "X-B3-Sampled": "0"}, "000000000000000064fe8b2a57d3eff7", false},
		{"debug flag", map[string]string{"X-B3-TraceId": "80f198ee56343ba864fe8b2a57d3eff7", "X-B3-SpanId": "e457b5a2e4d86bd1", "X-B3-Flags": "1"}, "80f198ee56343ba864fe8b2a57d3eff7", true},
		{"bad span", map[string]string{"b3": "80f198ee56343ba864fe8b2a57d3eff7-zz"}, "", false},
		{"deny only", map[string]string{"b3": "0"}, "", false},
	}
	for _, c := range cases {
		h := http.Header{}
		for k, v := range c.hdr {
			h.Set(k, v)
		}
		sc := trace.SpanContextFromContext(b3{}.Extract(context.Background(), propagation.HeaderCarrier(h)))
		if c.trace == "" {
			if sc.IsValid() {
				t.Errorf("%s: got %v, want none", c.name, sc.TraceID())
			}
			continue
		}
		if sc.TraceID().String() != c.trace || sc.IsSampled() != c.sampled || !sc.IsRemote() {
			t.Errorf("%s: trace %s sampled %v", c.name, sc.TraceID(), sc.IsSampled())
		}
	}
}

// FuzzB3Extract feeds arbitrary B3 headers (untrusted downstream input).
func FuzzB3Extract(f *testing.F) {
	f.Add("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1", "", "", "")
	f.Add("", "64fe8b2a57d3eff7", "e457b5a2e4d86bd1", "1")
	f.Add("---", "x", "y", "d")
	f.Fuzz(func(t *testing.T, single, tid, sid, sampled string) {
		h := http.Header{}
		h.Set("b3", single)
		h.Set("X-B3-TraceId", tid)
		h.Set("X-B3-SpanId", sid)
		h.Set("X-B3-Sampled", sampled)
		ctx := b3{}.Extract(context.Background(), propagation.HeaderCarrier(h))
		out := http.Header{}
		b3{}.Inject(ctx, propagation.HeaderCarrier(out))
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() && out.Get("X-B3-TraceId") != sc.TraceID().String() {
			t.Fatalf("round trip lost the trace id")
		}
	})
}
