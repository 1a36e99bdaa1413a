package proxy

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

type discardCollector struct {
	collectorpb.UnimplementedTraceServiceServer
}

func (discardCollector) Export(context.Context, *collectorpb.ExportTraceServiceRequest) (*collectorpb.ExportTraceServiceResponse, error) {
	return &collectorpb.ExportTraceServiceResponse{}, nil
}

// BenchmarkProxyHopTraced is BenchmarkProxyHop with the HCM tracing to a
// loopback OTLP/gRPC collector, at 0 % (headers propagated, nothing
// recorded) and 100 % sampling.
func BenchmarkProxyHopTraced(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	gs := grpc.NewServer()
	collectorpb.RegisterTraceServiceServer(gs, discardCollector{})
	go func() { _ = gs.Serve(ln) }()
	defer gs.Stop()
	for _, pct := range []int{0, 100} {
		b.Run(fmt.Sprintf("sampling=%d%%", pct), func(b *testing.B) {
			be := newBackend(b, "be", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(make([]byte, 1024)) })
			tracing := fmt.Sprintf(`stat_prefix: l
      tracing:
        random_sampling: {value: %d}
        provider:
          name: envoy.tracers.opentelemetry
          typed_config:
            "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
            service_name: bench-%d
            grpc_service: {google_grpc: {target_uri: %q, stat_prefix: otel}}`, pct, pct, ln.Addr().String())
			lst := strings.Replace(httpListener("l", ""), "stat_prefix: l", tracing, 1)
			e := start(b, res(b, lst), res(b, staticCluster("be", "", be.addr())))
			u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: be}}`)) + "/"
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := c.Get(u)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		})
	}
}
