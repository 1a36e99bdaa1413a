package host

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// callbacksGuest answers wasmesh_on_http_context_create with request
// headers only; its other HTTP callbacks trap, so calling one kills it.
const callbacksGuest = `(module
` + watBumpAllocator + `  (func (export "_initialize"))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "wasmesh_on_http_context_create") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (i32.const 0))
  (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32) unreachable)
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) unreachable)
  (func (export "proxy_on_response_body") (param i32 i32 i32) (result i32) unreachable)
  (func (export "proxy_on_response_trailers") (param i32 i32) (result i32) unreachable)
)`

func TestSkipsCallbacksTheGuestDoesNotActOn(t *testing.T) {
	h, _ := newTestHost(t, Config{})
	p, err := h.Load(context.Background(), PluginConfig{Name: "callbacks", VMID: "callbacks", Module: watGuest(t, "callbacks", callbacksGuest), PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	for range 3 {
		s := p.NewHTTPStream(nil, StreamCallbacks{})
		if !s.Calls(abi.OnRequestHeaders) || s.Calls(abi.OnRequestBody|abi.OnResponseHeaders|abi.OnResponseBody|abi.OnResponseTrailers) {
			t.Fatal("Calls does not match the guest's answer")
		}
		req := Headers{{Key: ":path", Value: "/"}}
		body := []byte("data")
		resp := Headers{{Key: ":status", Value: "200"}}
		for _, r := range []Result{
			s.OnRequestHeaders(&req, false), s.OnRequestBody(&body, true),
			s.OnResponseHeaders(&resp, false), s.OnResponseBody(&body, true), s.OnResponseTrailers(&Headers{}),
		} {
			if r.Err != nil || r.Action != abi.ActionContinue {
				t.Fatalf("callback result %+v", r)
			}
		}
		s.Done()
	}
	in := p.pool.slots[0].inst
	if in.dead.Load() {
		t.Fatalf("a skipped callback reached the guest: %v", in.deadErr)
	}
	if n, _ := in.mem.ReadUint32Le(0); n != 3 {
		t.Errorf("request headers called %d times, want 3", n)
	}
	// A TCP stream is created with proxy_on_context_create, as before.
	if ts := p.NewTCPStream(nil, StreamCallbacks{}); ts.Err() != nil {
		t.Fatalf("tcp stream: %v", ts.Err())
	} else {
		ts.Done()
	}
}

// TestSDKGuestDeclaresItsCallbacks: a filter written with the Go SDK gets
// only the callbacks it defines itself, whatever the embedded defaults.
func TestSDKGuestDeclaresItsCallbacks(t *testing.T) {
	h, _ := newTestHost(t, Config{})
	p, err := h.Load(context.Background(), PluginConfig{Name: "callbacks", VMID: "callbacks", Module: goGuest(t, "callbacks"), PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	s := p.NewHTTPStream(nil, StreamCallbacks{})
	defer s.Done()
	for c, want := range map[abi.HTTPCallbacks]bool{
		abi.OnRequestHeaders: true, abi.OnResponseTrailers: true,
		abi.OnRequestBody: false, abi.OnRequestTrailers: false, abi.OnResponseHeaders: false, abi.OnResponseBody: false,
		abi.OnStreamDone: false,
	} {
		if got := s.Calls(c); got != want {
			t.Errorf("Calls(%06b) = %v, want %v", c, got, want)
		}
	}
	req := Headers{{Key: ":path", Value: "/"}}
	body := []byte("data")
	resp := Headers{{Key: ":status", Value: "200"}}
	s.OnRequestHeaders(&req, false)
	s.OnRequestBody(&body, true)
	s.OnResponseHeaders(&resp, false)
	s.OnResponseBody(&body, true)
	s.OnResponseTrailers(&Headers{})
	if v, _ := headerGet(req, "x-seen"); v != "1" {
		t.Errorf("request headers callback did not run: %v", req)
	}
	var b bytes.Buffer
	if err := h.Metrics().WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "callbacks 2\n") {
		t.Errorf("want 2 callbacks acted on (request headers, response trailers):\n%s", b.String())
	}
}
