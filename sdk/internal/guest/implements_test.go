package guest

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

type onlyHeaders struct{ types.DefaultHttpContext }

func (*onlyHeaders) OnHttpRequestHeaders(int, bool) types.Action { return types.ActionContinue }

// valueReceiver declares one callback on the value type.
type valueReceiver struct{ types.DefaultHttpContext }

func (valueReceiver) OnHttpResponseBody(int, bool) types.Action { return types.ActionPause }

// base declares a callback; derived gets it promoted through base, which
// must still count as its own.
type base struct{ types.DefaultHttpContext }

func (*base) OnHttpResponseHeaders(int, bool) types.Action { return types.ActionContinue }

type derived struct{ base }

func (*derived) OnHttpRequestBody(int, bool) types.Action { return types.ActionContinue }

type onlyDone struct{ types.DefaultHttpContext }

func (*onlyDone) OnHttpStreamDone() {}

// generic declares a callback on a generic type, whose methods reach
// reflection through compiler-made instantiation code.
type generic[T any] struct {
	types.DefaultHttpContext
	v T
}

func (*generic[T]) OnHttpResponseBody(int, bool) types.Action { return types.ActionContinue }

// byPointer embeds the default by pointer.
type byPointer struct{ *types.DefaultHttpContext }

// viaInterface embeds an interface: what it holds decides at run time.
type viaInterface struct{ types.HttpContext }

// full declares everything itself.
type full struct{}

func (full) OnHttpRequestHeaders(int, bool) types.Action  { return types.ActionContinue }
func (full) OnHttpRequestBody(int, bool) types.Action     { return types.ActionContinue }
func (full) OnHttpRequestTrailers(int) types.Action       { return types.ActionContinue }
func (full) OnHttpResponseHeaders(int, bool) types.Action { return types.ActionContinue }
func (full) OnHttpResponseBody(int, bool) types.Action    { return types.ActionContinue }
func (full) OnHttpResponseTrailers(int) types.Action      { return types.ActionContinue }
func (full) OnHttpStreamDone()                            {}

func TestHTTPCallbacks(t *testing.T) {
	for _, tt := range []struct {
		name string
		ctx  types.HttpContext
		want abi.HTTPCallbacks
	}{
		{"default only", &types.DefaultHttpContext{}, 0},
		{"request headers", &onlyHeaders{}, abi.OnRequestHeaders},
		{"value receiver via pointer", &valueReceiver{}, abi.OnResponseBody},
		{"promoted from a user type", &derived{}, abi.OnRequestBody | abi.OnResponseHeaders},
		{"stream done", &onlyDone{}, abi.OnStreamDone},
		{"generic type", &generic[int]{}, abi.OnResponseBody},
		{"default embedded by pointer", &byPointer{}, 0},
		{"embedded interface", &viaInterface{}, abi.AllHTTPCallbacks},
		{"everything", full{}, abi.AllHTTPCallbacks},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := httpCallbacks(tt.ctx); got != tt.want {
				t.Fatalf("callbacks %07b, want %07b", got, tt.want)
			}
			if got := httpCallbacks(tt.ctx); got != tt.want { // cached
				t.Fatalf("cached callbacks %07b, want %07b", got, tt.want)
			}
		})
	}
}
