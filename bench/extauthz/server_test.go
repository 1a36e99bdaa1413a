package extauthz

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
)

// TestCheckOverGRPC runs the Authorization service on loopback and checks
// the example policy's decisions through a real grpc-go client.
func TestCheckOverGRPC(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	src, err := os.ReadFile(policyFile)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(ctx, string(src), query)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	authv3.RegisterAuthorizationServer(g, srv)
	go g.Serve(lis)
	defer g.Stop()
	conn, err := grpc.NewClient("passthrough:///"+lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := authv3.NewAuthorizationClient(conn)

	for _, c := range []struct {
		name   string
		a      attrs
		code   codes.Code
		status int32
	}{
		{"frontend GET /api", request(frontend, "/api/books/1?page=2"), codes.OK, 0},
		{"batch GET /api", request(batch, "/api/books/1"), codes.PermissionDenied, 403},
		{"frontend GET /admin", request(frontend, "/admin"), codes.PermissionDenied, 403},
		{"no principal", request("", "/api/books/1"), codes.PermissionDenied, 403},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, err := client.Check(ctx, c.a.checkRequest())
			if err != nil {
				t.Fatal(err)
			}
			if got := codes.Code(resp.GetStatus().GetCode()); got != c.code {
				t.Fatalf("code %v, want %v", got, c.code)
			}
			if c.code == codes.OK {
				if resp.GetOkResponse() == nil {
					t.Fatalf("allowed without an ok_response: %v", resp)
				}
				return
			}
			den := resp.GetDeniedResponse()
			if got := int32(den.GetStatus().GetCode()); got != c.status {
				t.Fatalf("http status %d, want %d", got, c.status)
			}
			if want := "RBAC: access denied: only the frontend may GET /api/*\n"; den.GetBody() != want {
				t.Fatalf("body %q, want %q", den.GetBody(), want)
			}
			if h := den.GetHeaders(); len(h) != 1 || h[0].GetHeader().GetKey() != "x-wasmesh-authz-reason" {
				t.Fatalf("headers %v", h)
			}
		})
	}
}

// TestInput checks the attribute set built from a CheckRequest.
func TestInput(t *testing.T) {
	in := Input(request(frontend, "/api/books/1?page=2&page=3").checkRequest())
	src := in["source"].(map[string]any)
	req := in["request"].(map[string]any)
	dst := in["destination"].(map[string]any)
	for name, c := range map[string][2]any{
		"source.principal":    {src["principal"], frontend},
		"source.namespace":    {src["namespace"], "shop"},
		"source.ip":           {src["ip"], "127.0.0.1"},
		"destination.service": {dst["service"], "reviews.shop"},
		"destination.port":    {dst["port"], 9080},
		"request.method":      {req["method"], "GET"},
		"request.path":        {req["path"], "/api/books/1"},
		"request.query.page":  {req["query"].(map[string]any)["page"], "2,3"},
		"request.headers.ua":  {req["headers"].(map[string]any)["user-agent"], "curl/8.5.0"},
		"connection.mtls":     {in["connection"].(map[string]any)["mtls"], true},
	} {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
	if _, ok := req["headers"].(map[string]any)[":path"]; ok {
		t.Error("pseudo-headers copied into request.headers")
	}
}

func TestQuantiles(t *testing.T) {
	d := []time.Duration{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	q := Quantiles(d, 0.5, 0.9, 0.99, 0)
	if q[0] != 5 || q[1] != 9 || q[2] != 10 || q[3] != 1 {
		t.Fatalf("quantiles %v", q)
	}
	if q := Quantiles(nil, 0.5); q[0] != 0 {
		t.Fatalf("empty: %v", q)
	}
}
