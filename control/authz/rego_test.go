package authz

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/policy/compile"
	"github.com/wasmesh/wasmesh/policy/eval"
	sigsyaml "sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite golden files")

// pol decodes an AuthorizationPolicy spec written as YAML.
func pol(t *testing.T, ns, name, spec string) Named {
	t.Helper()
	var s api.AuthorizationPolicy
	if err := sigsyaml.UnmarshalStrict([]byte(spec), &s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return Named{Namespace: ns, Name: name, Spec: &s}
}

// req is a request as the authz filter describes it.
type req struct {
	principal, ns, ip, method, path, host, jwt string
	port                                       int
	headers                                    map[string]string
	claims                                     map[string]any
}

func (r req) input() []byte {
	in := map[string]any{
		"source":      map[string]any{"principal": r.principal, "namespace": r.ns, "ip": r.ip},
		"destination": map[string]any{"port": r.port, "service": "api.shop.svc.cluster.local"},
		"request":     map[string]any{"method": r.method, "path": r.path, "host": r.host, "headers": r.headers},
		"connection":  map[string]any{"mtls": r.principal != ""},
	}
	if r.principal == "" {
		delete(in["source"].(map[string]any), "principal")
	}
	if r.jwt != "" {
		in["request"].(map[string]any)["auth"] = map[string]any{"principal": r.jwt, "claims": r.claims}
	}
	b, _ := json.Marshal(in)
	return b
}

const td = "spiffe://cluster.local/ns/"

var (
	frontendGET = req{principal: td + "shop/sa/frontend", ns: "shop", ip: "10.1.0.5", method: "GET", path: "/api/books", host: "api.shop", port: 8080}
	batchGET    = req{principal: td + "jobs/sa/batch", ns: "jobs", ip: "10.2.0.9", method: "GET", path: "/api/books", host: "api.shop", port: 8080}
)

func with(r req, f func(*req)) req { f(&r); return r }

// decide compiles the generated Rego exactly as meshd does and evaluates it
// with the proxy's evaluator.
func decide(t *testing.T, policies []Named, r req) eval.Decision {
	t.Helper()
	src, problems := Rego(policies)
	_ = problems
	ctx := context.Background()
	p, err := compile.Compile(ctx, compile.Request{Modules: []compile.Module{{File: "authz.rego", Source: src}}, Entrypoints: []string{Entrypoint}})
	if err != nil {
		t.Fatalf("generated Rego does not compile: %v\n%s", err, src)
	}
	e, err := eval.New(ctx, eval.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	pol, err := e.Load(ctx, p.Wasm, p.Data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pol.Eval(ctx, Entrypoint, r.input())
	if err != nil {
		t.Fatal(err)
	}
	d, err := eval.DecodeDecision(out)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestIstioSemantics(t *testing.T) {
	allowFrontend := pol(t, "shop", "allow-frontend", `
rules:
- from: [{source: {principals: ["cluster.local/ns/shop/sa/frontend"]}}]
  to: [{operation: {methods: [GET], paths: ["/api/*"]}}]`)
	denyDelete := pol(t, "shop", "deny-delete", `
action: DENY
rules: [{to: [{operation: {methods: [DELETE]}}]}]`)
	cases := []struct {
		name     string
		policies []Named
		r        req
		allow    bool
		reason   string
	}{
		{"no policy allows", nil, batchGET, true, ""},
		{"allow matches", []Named{allowFrontend}, frontendGET, true, ""},
		{"other identity", []Named{allowFrontend}, batchGET, false, "no ALLOW policy matched"},
		{"other method", []Named{allowFrontend}, with(frontendGET, func(r *req) { r.method = "POST" }), false, "no ALLOW"},
		{"plaintext", []Named{allowFrontend}, with(frontendGET, func(r *req) { r.principal = "" }), false, "no ALLOW"},
		{"deny beats allow", []Named{allowFrontend, denyDelete}, with(frontendGET, func(r *req) { r.method = "DELETE"; r.path = "/api/x" }), false, "denied by policy shop/deny-delete"},
		{"deny only, not matching", []Named{denyDelete}, batchGET, true, ""},
		{"allow without rules denies all", []Named{pol(t, "shop", "nothing", `{}`)}, frontendGET, false, "no ALLOW"},
		{"rule {} allows all", []Named{pol(t, "shop", "all", `rules: [{}]`)}, batchGET, true, ""},
		{"namespaces and notPaths", []Named{pol(t, "shop", "ns", `
rules:
- from: [{source: {namespaces: [shop]}}]
  to: [{operation: {notPaths: ["/admin*"]}}]`)}, with(frontendGET, func(r *req) { r.path = "/admin/users" }), false, "no ALLOW"},
		{"ipBlocks deny", []Named{pol(t, "shop", "block", `
action: DENY
rules: [{from: [{source: {ipBlocks: ["10.2.0.0/16", "192.168.1.1"]}}]}]`)}, batchGET, false, "shop/block"},
		{"notIpBlocks allow", []Named{pol(t, "shop", "internal", `
rules: [{from: [{source: {notIpBlocks: ["10.2.0.0/16"]}}]}]`)}, frontendGET, true, ""},
		{"header condition", []Named{pol(t, "shop", "token", `
rules: [{when: [{key: "request.headers[X-Token]", values: ["s3cr*"]}]}]`)}, with(batchGET, func(r *req) { r.headers = map[string]string{"x-token": "s3cret"} }), true, ""},
		{"header missing", []Named{pol(t, "shop", "token", `
rules: [{when: [{key: "request.headers[x-token]", values: ["*"]}]}]`)}, batchGET, false, "no ALLOW"},
		{"jwt claims array", []Named{pol(t, "shop", "admins", `
rules:
- from: [{source: {requestPrincipals: ["https://issuer.example/*"]}}]
  when: [{key: "request.auth.claims[groups]", values: [admin]}]`)}, with(batchGET, func(r *req) {
			r.jwt = "https://issuer.example/alice"
			r.claims = map[string]any{"groups": []any{"dev", "admin"}}
		}), true, ""},
		{"nested claim notValues", []Named{pol(t, "shop", "nested", `
rules: [{when: [{key: "request.auth.claims[org][tier]", notValues: [free]}]}]`)}, with(batchGET, func(r *req) {
			r.jwt = "i/s"
			r.claims = map[string]any{"org": map[string]any{"tier": "free"}}
		}), false, "no ALLOW"},
		{"hosts suffix, case-insensitive, ports", []Named{pol(t, "shop", "hosts", `
rules: [{to: [{operation: {hosts: ["*.SHOP"], ports: ["8080"]}}]}]`)}, with(frontendGET, func(r *req) { r.host = "API.shop" }), true, ""},
		{"wrong port", []Named{pol(t, "shop", "hosts", `
rules: [{to: [{operation: {notPorts: ["8080"]}}]}]`)}, frontendGET, false, "no ALLOW"},
		{"serviceAccounts", []Named{pol(t, "shop", "sa", `
rules: [{from: [{source: {serviceAccounts: ["shop/frontend"], trustDomains: ["cluster.local"]}}]}]`)}, frontendGET, true, ""},
		{"audit changes nothing", []Named{pol(t, "shop", "audit", `{action: AUDIT, rules: [{}]}`)}, batchGET, true, ""},
		{"custom fails closed", []Named{pol(t, "shop", "ext", `
action: CUSTOM
provider: {name: opa-ext}
rules: [{to: [{operation: {paths: ["/api/*"]}}]}]`)}, batchGET, false, `provider "opa-ext" is not available`},
		{"unsupported key never allows", []Named{pol(t, "shop", "odd", `
rules: [{when: [{key: "destination.ip", values: ["10.0.0.1"]}]}]`)}, batchGET, false, "no ALLOW"},
		{"unsupported key still denies", []Named{pol(t, "shop", "odd", `
action: DENY
rules: [{when: [{key: "destination.ip", values: ["10.0.0.1"]}]}]`)}, batchGET, false, "shop/odd"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := decide(t, c.policies, c.r)
			if d.Allow != c.allow || !strings.Contains(d.Reason, c.reason) {
				src, _ := Rego(c.policies)
				t.Errorf("got %+v, want allow=%v reason ~ %q\n%s", d, c.allow, c.reason, src)
			}
			if !d.Allow && d.Status != 403 {
				t.Errorf("deny status %d", d.Status)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	_, problems := Rego([]Named{pol(t, "shop", "odd", `
rules:
- from: [{source: {ipBlocks: ["not-an-ip"]}}]
  to: [{operation: {ports: ["http"]}}]
  when: [{key: "destination.ip", values: ["x"]}, {key: "request.auth.claims", values: ["x"]}]`)})
	var msgs []string
	for _, p := range problems {
		msgs = append(msgs, p.Error())
	}
	got := strings.Join(msgs, "\n")
	for _, want := range []string{
		`shop/odd: rules[0].from[0].source.ipBlocks: "not-an-ip" is not an IP address or CIDR range`,
		`rules[0].to[0].operation.ports: "http" is not a port`,
		`rules[0].when[0].key: condition key "destination.ip" is not supported by wasmesh`,
		`rules[0].when[1].key: condition key "request.auth.claims" is not supported`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

func TestSelect(t *testing.T) {
	all := []Named{
		pol(t, "istio-system", "mesh", `rules: [{}]`),
		pol(t, "shop", "ns-wide", `rules: [{}]`),
		pol(t, "shop", "api-only", `{selector: {matchLabels: {app: api}}, rules: [{}]}`),
		pol(t, "shop", "gateway", `{targetRef: {kind: Gateway, name: gw}, rules: [{}]}`),
		pol(t, "other", "x", `rules: [{}]`),
	}
	names := func(ps []Named) string {
		var s []string
		for _, p := range ps {
			s = append(s, p.Namespace+"/"+p.Name)
		}
		return strings.Join(s, ",")
	}
	if got := names(Select(all, "istio-system", "shop", map[string]string{"app": "api"})); got != "istio-system/mesh,shop/api-only,shop/ns-wide" {
		t.Errorf("api: %s", got)
	}
	if got := names(Select(all, "istio-system", "shop", map[string]string{"app": "web"})); got != "istio-system/mesh,shop/ns-wide" {
		t.Errorf("web: %s", got)
	}
}

func TestRegoGolden(t *testing.T) {
	src, _ := Rego([]Named{
		pol(t, "shop", "allow-frontend", `
rules:
- from: [{source: {principals: ["cluster.local/ns/shop/sa/frontend"]}}, {source: {namespaces: [ops]}}]
  to: [{operation: {methods: [GET, HEAD], paths: ["/api/*"]}}]
  when: [{key: "request.headers[x-env]", notValues: [test]}]`),
		pol(t, "shop", "deny-delete", `{action: DENY, rules: [{to: [{operation: {methods: [DELETE]}}]}]}`),
	})
	golden := "testdata/allow-deny.rego"
	if *update {
		os.WriteFile(golden, []byte(src), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update)", err)
	}
	if src != string(want) {
		t.Errorf("generated Rego differs from %s (go test -update):\n%s", golden, src)
	}
}
