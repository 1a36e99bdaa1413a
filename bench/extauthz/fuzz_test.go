package extauthz

import (
	"context"
	"os"
	"testing"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/protobuf/proto"
)

// FuzzCheck feeds the server CheckRequests decoded from arbitrary bytes, as
// gRPC would hand them over: it must answer allow or deny, never fail or
// panic, and never allow what the policy does not.
func FuzzCheck(f *testing.F) {
	src, err := os.ReadFile(policyFile)
	if err != nil {
		f.Fatal(err)
	}
	srv, err := NewServer(context.Background(), string(src), query)
	if err != nil {
		f.Fatal(err)
	}
	for _, a := range []attrs{request(frontend, "/api/books/1?x=1"), request(batch, "/"), request("", "")} {
		b, err := proto.Marshal(a.checkRequest())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var req authv3.CheckRequest
		if proto.Unmarshal(b, &req) != nil {
			return
		}
		resp, err := srv.Check(context.Background(), &req)
		if err != nil {
			t.Fatalf("check: %v", err)
		}
		h := req.GetAttributes().GetRequest().GetHttp()
		if resp.GetStatus().GetCode() == 0 && (req.GetAttributes().GetSource().GetPrincipal() != frontend || h.GetMethod() != "GET") {
			t.Fatalf("allowed %v", &req)
		}
	})
}
