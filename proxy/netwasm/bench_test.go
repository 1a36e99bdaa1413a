package netwasm

import (
	"io"
	"testing"

	"github.com/wasmesh/wasmesh/wasm/host"
)

// BenchmarkEchoThroughChain: 16 KiB written and echoed back through the
// relay on loopback, with no filter and with one guest that looks at every
// chunk both ways (get buffer, no rewrite).
func BenchmarkEchoThroughChain(b *testing.B) {
	h, _ := newHost(b)
	for _, c := range []struct {
		name    string
		filters []Filter
	}{
		{"no-filter", nil},
		{"one-filter", []Filter{{Name: "look", Plugin: load(b, h, "look", "look", host.FailClose)}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			up := newEcho(b)
			conn := dial(b, relay(b, NewChain(nil, c.filters), up.ln.Addr().String()))
			msg := make([]byte, 16<<10)
			back := make([]byte, len(msg))
			b.SetBytes(int64(2 * len(msg)))
			b.ResetTimer()
			for range b.N {
				if _, err := conn.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(conn, back); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
