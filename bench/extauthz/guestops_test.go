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

// guestOps are the operations testdata/guestops repeats.
var guestOps = []string{
	"host-call", "get-header", "get-pseudo-headers", "get-headers", "get-property", "get-property-missing",
	"encode-path", "foreign-call", "metric-increment", "heap-alloc-64",
}

// decideResult is what the guestops.echo foreign function answers: the
// engine's usual allow.
var decideResult = []byte(`{"allow":true}`)

// BenchmarkGuestOps prices the guest-side operations a filter is made of:
// one request-headers callback of testdata/guestops repeating an operation
// 20 times, and the same callback repeating it 0 times ("…/0"). The
// per-operation cost is (p50 of /20 − p50 of /0) / 20. The stream carries
// the benchmark request's headers (3 pseudo-headers and 3 others) besides
// x-op and x-n. "lifecycle" times a whole stream instead: context create,
// request headers (no operation), done, log and delete.
func BenchmarkGuestOps(b *testing.B) {
	ctx := context.Background()
	reg := host.NewForeignRegistry()
	reg.Register("guestops.echo", func(context.Context, []byte) ([]byte, error) { return decideResult, nil })
	h, err := host.New(ctx, host.Config{NoDeadlines: *noDeadlines, Foreign: reg})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close(ctx)
	p, err := h.Load(ctx, host.PluginConfig{Name: "guestops", VMID: "guestops", Module: dual.Build(b, "testdata/guestops")})
	if err != nil {
		b.Fatal(err)
	}
	a := request(frontend, "/")
	pr := a.props()
	headers := func(op string, n int) host.Headers {
		return append(a.hostHeaders(), abi.Pair{Key: "x-op", Value: op}, abi.Pair{Key: "x-n", Value: strconv.Itoa(n)})
	}
	for _, op := range guestOps {
		for _, n := range []int{0, guestOpsRepeat} {
			b.Run(op+"/"+strconv.Itoa(n), func(b *testing.B) {
				s := p.NewHTTPStream(pr, host.StreamCallbacks{})
				defer s.Done()
				hd := headers(op, n)
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
	b.Run("lifecycle", func(b *testing.B) {
		hd := headers("none", 0)
		d := make([]time.Duration, 0, 1<<14)
		for b.Loop() {
			t := time.Now()
			s := p.NewHTTPStream(pr, host.StreamCallbacks{})
			r := s.OnRequestHeaders(&hd, true)
			s.Done()
			d = append(d, time.Since(t))
			if r.Err != nil || r.Action != abi.ActionContinue {
				b.Fatalf("callback: %+v", r)
			}
		}
		reportQuantiles(b, d)
	})
}
