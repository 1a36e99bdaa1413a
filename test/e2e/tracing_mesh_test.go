package e2e

import (
	"encoding/hex"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

const meshTelemetry = `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh-default, namespace: wasmesh-system}
spec:
  tracing:
  - providers: [{name: otel}]
    randomSamplingPercentage: 100
`

// TestTracingFromTelemetry runs meshd (with the mesh's OTLP/gRPC tracing
// provider) and three sidecars: without a Telemetry resource nothing is
// traced; after a mesh-wide Telemetry with 100 % sampling, a request from
// the client through its sidecar to web gives one trace whose client
// sidecar span (CLIENT, the root) is the parent of the web sidecar's span
// (SERVER).
func TestTracingFromTelemetry(t *testing.T) {
	rcv, collector := startOTLP(t)
	m := startMesh(t, "--tracing-otlp-address", collector)
	m.split(5)
	time.Sleep(1500 * time.Millisecond)
	if n := len(rcv.snapshot()); n != 0 {
		t.Fatalf("%d spans exported without a Telemetry resource", n)
	}

	m.write("telemetry.yaml", meshTelemetry)
	var root, child *tracepb.Span
	deadline := time.Now().Add(15 * time.Second)
	for root == nil && time.Now().Before(deadline) {
		if _, err := m.get(m.egress + "/"); err != nil {
			t.Fatalf("request through the mesh: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
		root, child = parentChild(rcv.snapshot())
	}
	if root == nil {
		t.Fatalf("no trace with a client span and its server child after 15s (%d spans received)", len(rcv.snapshot()))
	}
	if root.GetKind() != tracepb.Span_SPAN_KIND_CLIENT || child.GetKind() != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("kinds: root %v (client sidecar outbound), child %v (web sidecar inbound)", root.GetKind(), child.GetKind())
	}
	tags := map[string]string{}
	for _, kv := range child.GetAttributes() {
		tags[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	if tags["http.method"] != "GET" || tags["http.status_code"] != "200" {
		t.Errorf("web span tags %v", tags)
	}
}

// parentChild finds a trace of exactly two spans where one is the root and
// the other its child.
func parentChild(spans []*tracepb.Span) (root, child *tracepb.Span) {
	byTrace := map[string][]*tracepb.Span{}
	for _, s := range spans {
		id := hex.EncodeToString(s.GetTraceId())
		byTrace[id] = append(byTrace[id], s)
	}
	for _, ss := range byTrace {
		if len(ss) != 2 {
			continue
		}
		for i, r := range ss {
			c := ss[1-i]
			if len(r.GetParentSpanId()) == 0 && string(c.GetParentSpanId()) == string(r.GetSpanId()) {
				return r, c
			}
		}
	}
	return nil, nil
}
