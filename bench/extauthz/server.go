package extauthz

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
)

// Server is an ext_authz Authorization service deciding with one Rego query.
type Server struct {
	authv3.UnimplementedAuthorizationServer
	query rego.PreparedEvalQuery
}

var _ authv3.AuthorizationServer = (*Server)(nil)

// ErrNoDecision is returned when the query has no result or an unexpected one.
var ErrNoDecision = errors.New("extauthz: policy returned no decision")

// NewServer compiles the Rego module src and prepares query (for example
// "data.wasmesh.authz.allow"), whose value is a decision object
// {"allow", "status", "reason", "body"} or a bare boolean.
func NewServer(ctx context.Context, src, query string) (*Server, error) {
	q, err := rego.New(rego.Query(query), rego.Module("policy.rego", src)).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("extauthz: preparing %s: %w", query, err)
	}
	return &Server{query: q}, nil
}

// Decision is what the policy answered for one request.
type Decision struct {
	Allow  bool
	Status int
	Reason string
	Body   string
}

// Decide evaluates the policy for one CheckRequest, without the network.
func (s *Server) Decide(ctx context.Context, req *authv3.CheckRequest) (Decision, error) {
	in, err := ast.InterfaceToValue(Input(req))
	if err != nil {
		return Decision{}, fmt.Errorf("extauthz: input: %w", err)
	}
	rs, err := s.query.Eval(ctx, rego.EvalParsedInput(in))
	if err != nil {
		return Decision{}, fmt.Errorf("extauthz: evaluating: %w", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return Decision{}, ErrNoDecision
	}
	switch v := rs[0].Expressions[0].Value.(type) {
	case bool:
		return Decision{Allow: v}, nil
	case map[string]any:
		d := Decision{}
		d.Allow, _ = v["allow"].(bool)
		d.Reason, _ = v["reason"].(string)
		d.Body, _ = v["body"].(string)
		if n, ok := v["status"].(interface{ String() string }); ok {
			d.Status, _ = strconv.Atoi(n.String())
		}
		return d, nil
	}
	return Decision{}, ErrNoDecision
}

// Check answers Envoy: OK, or PERMISSION_DENIED with the policy's HTTP
// status (403 when it gives none), reason header and body.
func (s *Server) Check(ctx context.Context, req *authv3.CheckRequest) (*authv3.CheckResponse, error) {
	d, err := s.Decide(ctx, req)
	if err != nil {
		return nil, err
	}
	if d.Allow {
		return &authv3.CheckResponse{
			Status:       &rpcstatus.Status{Code: int32(codes.OK)},
			HttpResponse: &authv3.CheckResponse_OkResponse{OkResponse: &authv3.OkHttpResponse{}},
		}, nil
	}
	status := d.Status
	if status == 0 {
		status = 403
	}
	body := d.Body
	if body == "" {
		body = "RBAC: access denied"
		if d.Reason != "" {
			body += ": " + d.Reason
		}
		body += "\n"
	}
	denied := &authv3.DeniedHttpResponse{Status: &typev3.HttpStatus{Code: typev3.StatusCode(status)}, Body: body}
	if d.Reason != "" {
		denied.Headers = []*corev3.HeaderValueOption{{Header: &corev3.HeaderValue{Key: "x-wasmesh-authz-reason", Value: d.Reason}}}
	}
	return &authv3.CheckResponse{
		Status:       &rpcstatus.Status{Code: int32(codes.PermissionDenied), Message: d.Reason},
		HttpResponse: &authv3.CheckResponse_DeniedResponse{DeniedResponse: denied},
	}, nil
}

// sensitive headers are left out of the input, as the authz filter does.
var sensitive = map[string]bool{"authorization": true, "cookie": true, "proxy-authorization": true}

// Input is the Mixer attribute set of a CheckRequest, shaped like the
// authz filter's input (source, destination, request, connection), so one
// policy serves both.
func Input(req *authv3.CheckRequest) map[string]any {
	a := req.GetAttributes()
	src, dst, h := a.GetSource(), a.GetDestination(), a.GetRequest().GetHttp()

	source := map[string]any{}
	if p := src.GetPrincipal(); p != "" {
		source["principal"] = p
		if ns := spiffeNamespace(p); ns != "" {
			source["namespace"] = ns
		}
	}
	if ip := src.GetAddress().GetSocketAddress().GetAddress(); ip != "" {
		source["ip"] = ip
	}
	destination := map[string]any{"service": hostOnly(h.GetHost())}
	if port := dst.GetAddress().GetSocketAddress().GetPortValue(); port != 0 {
		destination["port"] = int(port)
	}

	headers, query := map[string]any{}, map[string]any{}
	for k, v := range h.GetHeaders() {
		k = strings.ToLower(k)
		if !strings.HasPrefix(k, ":") && !sensitive[k] {
			headers[k] = v
		}
	}
	path := h.GetPath()
	if i := strings.IndexByte(path, '?'); i >= 0 {
		if q, err := url.ParseQuery(path[i+1:]); err == nil {
			for k, v := range q {
				query[k] = strings.Join(v, ",")
			}
		}
		path = path[:i]
	}
	request := map[string]any{"method": h.GetMethod(), "path": path, "host": h.GetHost(), "headers": headers, "query": query}
	if t := a.GetRequest().GetTime(); t != nil {
		request["time"] = t.AsTime().UTC().Format(time.RFC3339Nano)
	}
	return map[string]any{
		"source":      source,
		"destination": destination,
		"request":     request,
		// Envoy sets the source principal only from a verified peer certificate.
		"connection": map[string]any{"mtls": src.GetPrincipal() != ""},
	}
}

// spiffeNamespace returns <ns> from spiffe://<td>/ns/<ns>/sa/<sa>.
func spiffeNamespace(id string) string {
	rest, ok := strings.CutPrefix(id, "spiffe://")
	if !ok {
		return ""
	}
	parts := strings.Split(rest, "/")
	for i := 1; i+1 < len(parts); i++ {
		if parts[i] == "ns" {
			return parts[i+1]
		}
	}
	return ""
}

// hostOnly strips a port from host:port, keeping IPv6 literals whole.
func hostOnly(s string) string {
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return s[1:i]
		}
		return s
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.Count(s, ":") == 1 {
		return s[:i]
	}
	return s
}
