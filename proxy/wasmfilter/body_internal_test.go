package wasmfilter

import (
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// chunks returns its chunks one read at a time, then io.EOF on its own.
type chunks struct{ c []string }

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.c) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.c[0])
	if c.c[0] = c.c[0][n:]; c.c[0] == "" {
		c.c = c.c[1:]
	}
	return n, nil
}

type bodyCall struct {
	Data string
	EOS  bool
}

// TestStreamBodyCallbacks: a body of known length reaches the guest with
// end_of_stream on its last data (one callback for a small response, as
// Envoy delivers it); an unknown length ends with an empty callback; a body
// longer than its Content-Length is an error.
func TestStreamBodyCallbacks(t *testing.T) {
	for _, c := range []struct {
		name    string
		chunks  []string
		left    int64
		want    []bodyCall
		wantErr error
	}{
		{"known length, one chunk", []string{"hello"}, 5, []bodyCall{{"hello", true}}, nil},
		{"known length, two chunks", []string{"hel", "lo"}, 5, []bodyCall{{"hel", false}, {"lo", true}}, nil},
		{"unknown length", []string{"hello"}, -1, []bodyCall{{"hello", false}, {"", true}}, nil},
		{"longer than declared", []string{"hello"}, 3, nil, errBodyTooLong},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []bodyCall
			b := &streamBody{src: &chunks{c: append([]string(nil), c.chunks...)}, left: c.left, call: func(buf *[]byte, eos bool) host.Result {
				got = append(got, bodyCall{string(*buf), eos})
				return host.Result{Action: abi.ActionContinue}
			}}
			out, err := io.ReadAll(b)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil || string(out) != "hello" {
				t.Fatalf("read %q, %v", out, err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("callbacks (-want +got)\n%s", diff)
			}
		})
	}
}
