package wasmfilter_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestGRPCThroughBodyFilter streams gRPC through a Wasm filter with body
// callbacks: a bidirectional stream whose server speaks first must not wait
// for a request message, messages flow both ways, and the status arrives in
// trailers.
func TestGRPCThroughBodyFilter(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, st grpc.ServerStream) error {
		if err := st.SendMsg(wrapperspb.String("hello first")); err != nil {
			return err
		}
		for {
			var in wrapperspb.StringValue
			if err := st.RecvMsg(&in); err != nil {
				return status.Error(codes.Aborted, "done after echoing")
			}
			if err := st.SendMsg(wrapperspb.String("echo " + in.GetValue())); err != nil {
				return err
			}
		}
	}))
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()
	u := startProxy(t, filterSetup{name: "jsonvalidate", configuration: `["name"]`, code: localCode(buildWasm(t, "examples/filters/jsonvalidate")),
		backend:      ln.Addr().String(),
		clusterExtra: "typed_extension_protocol_options: {envoy.extensions.upstreams.http.v3.HttpProtocolOptions: {\"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions, explicit_http_config: {http2_protocol_options: {}}}}"})
	conn, err := grpc.NewClient(strings.TrimSuffix(strings.TrimPrefix(u, "http://"), "/"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, "/test.Echo/Chat")
	if err != nil {
		t.Fatal(err)
	}
	var m wrapperspb.StringValue
	if err := st.RecvMsg(&m); err != nil || m.GetValue() != "hello first" {
		t.Fatalf("server-first message: %q %v", m.GetValue(), err)
	}
	for _, w := range []string{"a", "b"} {
		if err := st.SendMsg(wrapperspb.String(w)); err != nil {
			t.Fatal(err)
		}
		if err := st.RecvMsg(&m); err != nil || m.GetValue() != "echo "+w {
			t.Fatalf("echo %s: %q %v", w, m.GetValue(), err)
		}
	}
	if err := st.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if err := st.RecvMsg(&m); status.Code(err) != codes.Aborted {
		t.Fatalf("want the Aborted status from trailers, got %v", err)
	}
}
