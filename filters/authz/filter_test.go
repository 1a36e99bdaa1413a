package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
)

// policy plays the evaluator: only the frontend may GET /api/*.
func policy(args []byte) []byte {
	var a struct {
		Policy string `json:"policy"`
		Input  input  `json:"input"`
	}
	if json.Unmarshal(args, &a) != nil || a.Policy != "frontend-only" {
		return nil // no decision: an evaluation error
	}
	in := a.Input
	if strings.HasSuffix(in.Source.Principal, "/sa/frontend") && in.Request.Method == "GET" && strings.HasPrefix(in.Request.Path, "/api/") && in.Connection.MTLS {
		return []byte(`{"allow":true}`)
	}
	return []byte(`{"allow":false,"reason":"only the frontend may GET /api/*","headers":{"x-policy":"frontend-only"}}`)
}

func peer(sa string) []dual.Property {
	return []dual.Property{
		{Path: []string{"connection", "uri_san_peer_certificate"}, Value: []byte("spiffe://cluster.local/ns/shop/sa/" + sa)},
		{Path: []string{"connection", "mtls"}, Value: []byte{1}},
	}
}

func start(t *testing.T, h proxytest.HostEmulator) {
	t.Helper()
	h.RegisterForeignFunction(defaultFunction, policy)
	if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
		t.Fatalf("plugin did not start: %q", h.GetCriticalLogs())
	}
}

func send(h proxytest.HostEmulator, method, path string) (uint32, types.Action) {
	id := h.InitializeHttpContext()
	return id, h.CallOnRequestHeaders(id, [][2]string{{":method", method}, {":path", path}, {":authority", "api.shop"}}, true)
}

func TestAuthzAllowsAndDenies(t *testing.T) {
	f := dual.Filter{Package: ".", VMContext: &vm{}, PluginConfiguration: []byte(`{"policy":"frontend-only"}`), Properties: peer("frontend")}
	dual.Run(t, f, func(t *testing.T, h proxytest.HostEmulator) {
		start(t, h)
		id, a := send(h, "GET", "/api/books?id=1")
		if a != types.ActionContinue || h.GetSentLocalResponse(id) != nil {
			t.Fatalf("frontend GET /api/books: action %v, local %+v", a, h.GetSentLocalResponse(id))
		}
		h.CompleteHttpContext(id)
		id, a = send(h, "DELETE", "/api/books")
		lr := h.GetSentLocalResponse(id)
		if a != types.ActionPause || lr == nil || lr.StatusCode != 403 {
			t.Fatalf("frontend DELETE: action %v, local %+v", a, lr)
		}
		if !strings.Contains(string(lr.Data), "only the frontend may GET /api/*") {
			t.Errorf("denial body %q lacks the policy's reason", lr.Data)
		}
		hdrs := map[string]string{}
		for _, kv := range lr.Headers {
			hdrs[kv[0]] = kv[1]
		}
		if hdrs["x-policy"] != "frontend-only" || hdrs["x-wasmesh-authz-reason"] == "" {
			t.Errorf("denial headers %v", lr.Headers)
		}
		h.CompleteHttpContext(id)
		allowed, _ := h.GetCounterMetric(`wasmesh_authz_decisions_total{policy="frontend-only",decision="allow"}`)
		denied, _ := h.GetCounterMetric(`wasmesh_authz_decisions_total{policy="frontend-only",decision="deny"}`)
		if allowed != 1 || denied != 1 {
			t.Errorf("metrics: allowed %d denied %d, want 1 and 1", allowed, denied)
		}
	})
}

func TestAuthzOtherIdentityDenied(t *testing.T) {
	f := dual.Filter{Package: ".", VMContext: &vm{}, PluginConfiguration: []byte(`{"policy":"frontend-only","denyStatus":401}`), Properties: peer("batch")}
	dual.Run(t, f, func(t *testing.T, h proxytest.HostEmulator) {
		start(t, h)
		id, a := send(h, "GET", "/api/books")
		if lr := h.GetSentLocalResponse(id); a != types.ActionPause || lr == nil || lr.StatusCode != 401 {
			t.Fatalf("batch identity: action %v, local %+v", a, lr)
		}
	})
}

func TestAuthzFailStrategy(t *testing.T) {
	closed := dual.Filter{Package: ".", VMContext: &vm{}, PluginConfiguration: []byte(`{"policy":"missing"}`)}
	dual.Run(t, closed, func(t *testing.T, h proxytest.HostEmulator) {
		start(t, h)
		id, a := send(h, "GET", "/api/books")
		if lr := h.GetSentLocalResponse(id); a != types.ActionPause || lr == nil || lr.StatusCode != 503 {
			t.Fatalf("fail closed: action %v, local %+v", a, lr)
		}
		if n, _ := h.GetCounterMetric(`wasmesh_authz_decisions_total{policy="missing",decision="error"}`); n != 1 {
			t.Errorf("error metric %d", n)
		}
	})
	open := dual.Filter{Package: ".", VMContext: &vm{}, PluginConfiguration: []byte(`{"policy":"missing","failOpen":true}`)}
	dual.Run(t, open, func(t *testing.T, h proxytest.HostEmulator) {
		start(t, h)
		if id, a := send(h, "GET", "/api/books"); a != types.ActionContinue || h.GetSentLocalResponse(id) != nil {
			t.Fatalf("fail open: action %v", a)
		}
	})
	bad := dual.Filter{Package: ".", VMContext: &vm{}, PluginConfiguration: []byte(`{"policy":""}`)}
	dual.Run(t, bad, func(t *testing.T, h proxytest.HostEmulator) {
		if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusFailed {
			t.Fatal("a config without a policy started")
		}
	})
}
