package server

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	wasmfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/wasmesh/wasmesh/control/pilot/xds/xdstest"
)

// A Policy is compiled by meshd, stored by digest and pushed to the
// selected proxies as an AUTHZ filter naming the compiled module.
func TestPolicyCompiledAndPushed(t *testing.T) {
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "config")
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	authz := filepath.Join(dir, "authz.wasm")
	if err := os.WriteFile(authz, []byte("\x00asm\x01\x00\x00\x00authz"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{ConfigDir: cfgDir, XDSAddr: "127.0.0.1:0", MonitorAddr: "127.0.0.1:0", Debounce: 20 * time.Millisecond,
		AuthzFilter: authz, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	base := "http://" + s.MonitorAddr()

	p, err := xdstest.Start(xdstest.Options{Address: s.XDSAddr(), Node: proxyNode(t, "web-v1", "v1")})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	code, body := apply(t, base, `apiVersion: policy.wasmesh.io/v1alpha1
kind: Policy
metadata: {name: only-get, namespace: default}
spec:
  selector:
    matchLabels: {app: web}
  rego: |
    package wasmesh.authz
    default allow := false
    allow if input.request.method == "GET"
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: web, namespace: default}
spec:
  ingress:
  - port: {number: 15081, protocol: HTTP, name: http}
    defaultEndpoint: 127.0.0.1:8080
`)
	if code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("apply: %d %s", code, body)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	var cfg string
	if err := p.Wait(wctx, func(p *xdstest.Proxy) bool {
		e, ok := p.Resources(resource.ExtensionConfigType)["default.policy.only-get"].(*corev3.TypedExtensionConfig)
		if !ok {
			return false
		}
		var w wasmfilterv3.Wasm
		if e.GetTypedConfig().UnmarshalTo(&w) != nil {
			return false
		}
		var sv wrapperspb.StringValue
		if w.GetConfig().GetConfiguration().UnmarshalTo(&sv) != nil {
			return false
		}
		cfg = sv.GetValue()
		return true
	}); err != nil {
		t.Fatalf("policy filter never arrived: %v", err)
	}
	if !strings.Contains(cfg, `"policy":"default/only-get"`) || !strings.Contains(cfg, `"sha256":"`) || !strings.Contains(cfg, `"method"`) {
		t.Errorf("authz configuration lacks the policy, its digest or its fields: %s", cfg)
	}
	list, err := s.modules.List()
	if err != nil || len(list) != 2 {
		t.Errorf("module store holds %v, want the authz filter and the compiled policy", list)
	}
}

// AuthorizationPolicies are translated to Rego, compiled and pushed with
// the authz filter to the workloads they select.
func TestAuthorizationPolicyPushed(t *testing.T) {
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "config")
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	authzMod := filepath.Join(dir, "authz.wasm")
	if err := os.WriteFile(authzMod, []byte("\x00asm\x01\x00\x00\x00authz"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{ConfigDir: cfgDir, XDSAddr: "127.0.0.1:0", MonitorAddr: "127.0.0.1:0", Debounce: 20 * time.Millisecond,
		AuthzFilter: authzMod, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	p, err := xdstest.Start(xdstest.Options{Address: s.XDSAddr(), Node: proxyNode(t, "web-v1", "v1")})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	code, body := apply(t, "http://"+s.MonitorAddr(), `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: get-only, namespace: default}
spec:
  selector:
    matchLabels: {app: web}
  rules:
  - to:
    - operation:
        methods: [GET]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: web, namespace: default}
spec:
  ingress:
  - port: {number: 15081, protocol: HTTP, name: http}
    defaultEndpoint: 127.0.0.1:8080
`)
	if code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("apply: %d %s", code, body)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	if err := p.Wait(wctx, func(p *xdstest.Proxy) bool {
		return p.Resources(resource.ExtensionConfigType)["wasmesh.authorization-policies"] != nil
	}); err != nil {
		t.Fatalf("authorization policy filter never arrived: %v", err)
	}
	if list, _ := s.modules.List(); len(list) != 2 {
		t.Errorf("module store holds %v, want the authz filter and the compiled AuthorizationPolicies", list)
	}
}
