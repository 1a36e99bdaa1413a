package extauthz

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/wasmesh/wasmesh/policy/compile"
	"github.com/wasmesh/wasmesh/policy/eval"
	"github.com/wasmesh/wasmesh/proxy/policyfn"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/host"
)

const (
	policyFile = "../../examples/policies/frontend-only.rego"
	policyName = "shop/frontend-only"
	query      = "data.wasmesh.authz.allow"
	frontend   = "spiffe://cluster.local/ns/shop/sa/frontend"
	batch      = "spiffe://cluster.local/ns/shop/sa/batch"
)

// attrs is one request as both paths see it: the proxy as headers and
// stream properties, ext_authz as a CheckRequest.
type attrs struct {
	principal, method, path, host string
	headers                       [][2]string
}

// noDeadlines runs the filters as meshproxy --wasm-deadlines=false does.
var noDeadlines = flag.Bool("no-deadlines", false, "run the Wasm filters without per-callback deadlines")

func request(principal, path string) attrs {
	return attrs{principal: principal, method: "GET", path: path, host: "reviews.shop:9080", headers: [][2]string{
		{"user-agent", "curl/8.5.0"}, {"accept", "application/json"}, {"x-request-id", "4f1c2a9e-6b7d-4c11-9a0e-1f2d3c4b5a69"},
	}}
}

func (a attrs) hostHeaders() host.Headers {
	h := make(host.Headers, 0, 3+len(a.headers))
	h = append(h, abi.Pair{Key: ":method", Value: a.method}, abi.Pair{Key: ":path", Value: a.path}, abi.Pair{Key: ":authority", Value: a.host})
	for _, kv := range a.headers {
		h = append(h, abi.Pair{Key: kv[0], Value: kv[1]})
	}
	return h
}

func le(n uint64) []byte { return binary.LittleEndian.AppendUint64(nil, n) }

// props are the stream properties the proxy gives both filters, answered
// as proxy/wasmfilter answers them: a switch over the path, nothing built
// per stream but the principal.
type props struct{ principal []byte }

// Values every stream has.
var (
	localPrincipal = []byte("spiffe://cluster.local/ns/shop/sa/reviews")
	mtlsOn         = []byte{1}
	sourceAddress  = []byte("127.0.0.1:43210")
	port9080       = le(9080)
	service        = []byte("reviews.shop.svc.cluster.local")
	requestSize    = le(180)
	responseSize   = le(1024)
	status200      = le(200)
	noFlags        = []byte("-")
)

func (p props) Property(path []string) ([]byte, bool) {
	if len(path) != 2 {
		return nil, false
	}
	var v []byte
	switch path[0] {
	case "connection":
		switch path[1] {
		case "uri_san_peer_certificate":
			v = p.principal
		case "uri_san_local_certificate":
			v = localPrincipal
		case "mtls":
			v = mtlsOn
		}
	case "source":
		if path[1] == "address" {
			v = sourceAddress
		}
	case "destination":
		switch path[1] {
		case "port":
			v = port9080
		case "service":
			v = service
		}
	case "request":
		if path[1] == "total_size" {
			v = requestSize
		}
	case "response":
		switch path[1] {
		case "total_size":
			v = responseSize
		case "code":
			v = status200
		case "flags":
			v = noFlags
		}
	}
	return v, v != nil
}

func (a attrs) props() props { return props{principal: []byte(a.principal)} }

func (a attrs) checkRequest() *authv3.CheckRequest {
	hs := make(map[string]string, 3+len(a.headers))
	hs[":method"], hs[":path"], hs[":authority"] = a.method, a.path, a.host
	for _, kv := range a.headers {
		hs[kv[0]] = kv[1]
	}
	return &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Source: &authv3.AttributeContext_Peer{
			Address:   sockAddr("127.0.0.1", 43210),
			Principal: a.principal,
		},
		Destination: &authv3.AttributeContext_Peer{
			Address:   sockAddr("127.0.0.1", 9080),
			Principal: "spiffe://cluster.local/ns/shop/sa/reviews",
		},
		Request: &authv3.AttributeContext_Request{
			Time: timestamppb.Now(),
			Http: &authv3.AttributeContext_HttpRequest{
				Id: a.headers[2][1], Method: a.method, Path: a.path, Host: a.host,
				Scheme: "http", Protocol: "HTTP/1.1", Headers: hs,
			},
		},
	}}
}

func sockAddr(ip string, port uint32) *corev3.Address {
	return &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
		Address: ip, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: port},
	}}}
}

// memFetcher serves compiled policies by digest from memory (meshd's module
// store; fetching happens once at plugin start, off the request path).
type memFetcher map[string][]byte

func (m memFetcher) Get(_ context.Context, _, sha string) ([]byte, error) {
	if b, ok := m[sha]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("no module %s", sha)
}

// reportSink answers the telemetry filter's batched reports at once with 200.
type reportSink struct{}

func (reportSink) Dispatch(_ context.Context, _ host.HTTPCallRequest, done func(host.HTTPCallResponse)) {
	done(host.HTTPCallResponse{Headers: []abi.Pair{{Key: ":status", Value: "200"}}})
}

// env is everything the benchmarks share, built once per test binary.
type env struct {
	engine           *eval.Engine
	host             *host.Host
	authz, telemetry *host.Plugin
	remote           *Server
	grpcSrv          *grpc.Server
	conn             *grpc.ClientConn
	client           authv3.AuthorizationClient
}

var (
	envOnce sync.Once
	shared  *env
	envErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.close()
	}
	os.Exit(code)
}

func getEnv(tb testing.TB) *env {
	tb.Helper()
	authzWasm := dual.Build(tb, "../../filters/authz")
	telemetryWasm := dual.Build(tb, "../../filters/telemetry")
	envOnce.Do(func() { shared, envErr = newEnv(authzWasm, telemetryWasm) })
	if envErr != nil {
		tb.Fatal(envErr)
	}
	return shared
}

func newEnv(authzWasm, telemetryWasm []byte) (*env, error) {
	ctx := context.Background()
	src, err := os.ReadFile(policyFile)
	if err != nil {
		return nil, err
	}
	e := &env{}
	if e.remote, err = NewServer(ctx, string(src), query); err != nil {
		return nil, err
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e.grpcSrv = grpc.NewServer()
	authv3.RegisterAuthorizationServer(e.grpcSrv, e.remote)
	go e.grpcSrv.Serve(lis)
	if e.conn, err = grpc.NewClient("passthrough:///"+lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials())); err != nil {
		e.close()
		return nil, err
	}
	e.client = authv3.NewAuthorizationClient(e.conn)

	p, err := compile.Compile(ctx, compile.Request{
		Modules:     []compile.Module{{File: "frontend-only.rego", Source: string(src)}},
		Entrypoints: []string{"wasmesh/authz/allow"},
	})
	if err != nil {
		e.close()
		return nil, err
	}
	if e.engine, err = eval.New(ctx, eval.Config{}); err != nil {
		e.close()
		return nil, err
	}
	reg := host.NewForeignRegistry()
	policyfn.New(nil, e.engine, memFetcher{p.SHA256: p.Wasm}).Register(reg)
	e.host, err = host.New(ctx, host.Config{
		NoDeadlines: *noDeadlines,
		Foreign:     reg,
		HTTPCalls:   reportSink{},
		NodeID:      "sidecar~127.0.0.1~reviews-v1.shop~shop.svc.cluster.local",
		NodeMetadata: map[string]string{"WORKLOAD_NAME": "reviews-v1", "NAMESPACE": "shop", "APP": "reviews",
			"VERSION": "v1", "CLUSTER_ID": "Kubernetes"},
	})
	if err != nil {
		e.close()
		return nil, err
	}
	fields, err := json.Marshal(p.Fields)
	if err != nil {
		e.close()
		return nil, err
	}
	authzCfg := fmt.Sprintf(`{"policy":%q,"module":{"url":"mem://modules/%s","sha256":%q,"fields":%s}}`, policyName, p.SHA256, p.SHA256, fields)
	if e.authz, err = e.host.Load(ctx, host.PluginConfig{Name: "authz", RootID: "authz", VMID: "authz", Module: authzWasm, Configuration: []byte(authzCfg)}); err != nil {
		e.close()
		return nil, err
	}
	telCfg := `{"reporter":"destination","reportCluster":"outbound|15014||meshd.wasmesh-system.svc.cluster.local"}`
	if e.telemetry, err = e.host.Load(ctx, host.PluginConfig{Name: "telemetry", RootID: "telemetry", VMID: "telemetry", Module: telemetryWasm, Configuration: []byte(telCfg)}); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *env) close() {
	ctx := context.Background()
	if e.host != nil {
		e.host.Close(ctx)
	}
	if e.engine != nil {
		e.engine.Close(ctx)
	}
	if e.conn != nil {
		e.conn.Close()
	}
	if e.grpcSrv != nil {
		e.grpcSrv.Stop()
	}
}

// inProxy decides one request through the authz filter: a stream opened,
// its request headers, done. It returns nil for allow and the local reply
// for a denial.
func (e *env) inProxy(a attrs) (*host.LocalResponse, error) {
	s := e.authz.NewHTTPStream(a.props(), host.StreamCallbacks{})
	defer s.Done()
	hd := a.hostHeaders()
	r := s.OnRequestHeaders(&hd, true)
	if r.Err != nil {
		return nil, r.Err
	}
	if r.Local == nil && r.Action != abi.ActionContinue {
		return nil, fmt.Errorf("authz paused without a reply")
	}
	return r.Local, nil
}

// remoteCheck decides one request over gRPC; it returns the HTTP status of
// a denial, 0 for allow.
func (e *env) remoteCheck(ctx context.Context, a attrs) (int, error) {
	resp, err := e.client.Check(ctx, a.checkRequest())
	if err != nil {
		return 0, err
	}
	if resp.GetStatus().GetCode() == 0 {
		return 0, nil
	}
	return int(resp.GetDeniedResponse().GetStatus().GetCode()), nil
}
