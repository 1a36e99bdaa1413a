package extauthz

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/conformance/dual"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// guestOpsRepeat is how often the guest repeats an operation per callback.
const guestOpsRepeat = 20

// BenchmarkGuestOps prices the guest-side operations a filter is made of:
// one request-headers callback of testdata/guestops repeating an operation
// 20 times, and the same callback repeating it 0 times ("…/0"). The
// per-operation cost is (p50 of /20 − p50 of /0) / 20.
func BenchmarkGuestOps(b *testing.B) {
	ctx := context.Background()
	h, err := host.New(ctx, host.Config{NoDeadlines: *noDeadlines})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close(ctx)
	p, err := h.Load(ctx, host.PluginConfig{Name: "guestops", VMID: "guestops", Module: dual.Build(b, "testdata/guestops")})
	if err != nil {
		b.Fatal(err)
	}
	pr := request(frontend, "/").props()
	for _, op := range []string{"host-call", "get-header", "get-property", "get-property-missing", "encode-path", "heap-alloc-64"} {
		for _, n := range []int{0, guestOpsRepeat} {
			b.Run(op+"/"+strconv.Itoa(n), func(b *testing.B) {
				s := p.NewHTTPStream(pr, host.StreamCallbacks{})
				defer s.Done()
				hd := host.Headers{{Key: ":path", Value: "/"}, {Key: "x-op", Value: op}, {Key: "x-n", Value: strconv.Itoa(n)}}
				d := make([]time.Duration, 0, 1<<14)
				for b.Loop() {
					t := time.Now()
					r := s.OnRequestHeaders(&hd, true)
					d = append(d, time.Since(t))
					if r.Err != nil || r.Action != abi.ActionContinue {
						b.Fatalf("callback: %+v", r)
					}
				}
				reportQuantiles(b, d)
			})
		}
	}
}
