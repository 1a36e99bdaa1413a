package host

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

func FuzzGuestRange(f *testing.F) {
	f.Add(uint32(65536), uint32(0), uint32(65536))
	f.Add(uint32(65536), uint32(0xfffffff0), uint32(0x20))
	f.Fuzz(func(t *testing.T, memSize, ptr, size uint32) {
		ok := guestRange(memSize, ptr, size)
		if want := uint64(ptr)+uint64(size) <= uint64(memSize); ok != want {
			t.Fatalf("guestRange(%d, %d, %d) = %v", memSize, ptr, size, ok)
		}
	})
}

func FuzzBufferWindow(f *testing.F) {
	f.Add([]byte("hello"), uint32(0), uint32(0), []byte("x"))
	f.Add([]byte("hello"), uint32(1<<31), uint32(0), []byte("x"))
	f.Add([]byte("hello"), uint32(2), uint32(0xffffffff), []byte(""))
	f.Fuzz(func(t *testing.T, b []byte, start, size uint32, v []byte) {
		w := sliceBuffer(b, start, size)
		if len(w) > len(b) || !bytes.Contains(b, w) {
			t.Fatalf("window %q of %q", w, b)
		}
		orig := bytes.Clone(b)
		out := spliceBuffer(b, start, size, v)
		if !bytes.Equal(b, orig) {
			t.Fatal("splice modified its input")
		}
		s := min(uint64(start), uint64(len(b)))
		e := min(s+uint64(size), uint64(len(b)))
		if want := append(append(bytes.Clone(b[:s]), v...), b[e:]...); !bytes.Equal(out, want) {
			t.Fatalf("splice = %q, want %q", out, want)
		}
	})
}

func FuzzPropertyPath(f *testing.F) {
	f.Add(abi.EncodePropertyPath("request", "headers", "x-a"))
	f.Add([]byte{0, 0, 0})
	f.Add([]byte("node\x00metadata\x00NAMESPACE\x00"))
	p := &Plugin{cfg: PluginConfig{Name: "n"}, h: &Host{cfg: Config{NodeID: "id", NodeMetadata: map[string]string{"A": "b"}}}}
	f.Fuzz(func(t *testing.T, b []byte) {
		path, ok := propertyPath(b)
		if !ok {
			return
		}
		if len(path) == 0 || len(path) > maxPropertyTokens {
			t.Fatalf("accepted %q", path)
		}
		if v, ok := p.hostProperty(path); ok && v == nil && path[len(path)-1] != "id" {
			t.Fatalf("nil value for %q", path)
		}
	})
}

func FuzzHTTPCallRequest(f *testing.F) {
	good := abi.EncodeMap(nil, []abi.Pair{{Key: ":method", Value: "GET"}, {Key: ":path", Value: "/"}, {Key: ":authority", Value: "a"}})
	f.Add("c", good, []byte("body"), []byte{}, uint32(100))
	f.Add("", good, []byte{}, []byte{0}, uint32(0))
	f.Add("c", []byte{1, 0, 0, 0}, []byte{}, []byte{}, uint32(5))
	f.Fuzz(func(t *testing.T, cluster string, hdrs, body, trailers []byte, timeout uint32) {
		req, st := httpCallRequest(cluster, hdrs, body, trailers, timeout)
		if st != abi.StatusOK {
			if st != abi.StatusBadArgument {
				t.Fatalf("status %v", st)
			}
			return
		}
		for _, k := range []string{":method", ":path", ":authority"} {
			if v, ok := headerGet(req.Headers, k); !ok || v == "" {
				t.Fatalf("accepted a request without %s", k)
			}
		}
		if req.Cluster == "" || req.Timeout <= 0 || !bytes.Equal(req.Body, body) {
			t.Fatalf("request %+v", req)
		}
	})
}

func FuzzLocalReply(f *testing.F) {
	f.Add(uint32(403), "d", []byte("b"), abi.EncodeMap(nil, []abi.Pair{{Key: "k", Value: "v"}}), int32(-1))
	f.Add(uint32(99), "", []byte{}, []byte{0xff}, int32(0))
	f.Fuzz(func(t *testing.T, status uint32, details string, body, hdrs []byte, grpc int32) {
		lr, st := localReply(status, details, body, hdrs, grpc)
		if st != abi.StatusOK {
			return
		}
		if lr.Status < 100 || lr.Status > 999 {
			t.Fatalf("status %d accepted", lr.Status)
		}
	})
}

func FuzzHeaderOps(f *testing.F) {
	f.Add(abi.EncodeMap(nil, []abi.Pair{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}, {Key: "b", Value: "3"}}), "a", "x")
	f.Fuzz(func(t *testing.T, m []byte, key, value string) {
		h, err := abi.DecodeMap(m)
		if err != nil {
			return
		}
		orig := append([]abi.Pair(nil), h...)
		r := headerReplace(h, key, value)
		if v, ok := headerGet(r, key); !ok || v != value {
			t.Fatalf("replace %q: get = %q %v", key, v, ok)
		}
		n := 0
		for _, p := range r {
			if strings.EqualFold(p.Key, key) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("replace left %d values of %q", n, key)
		}
		if _, ok := headerGet(headerRemove(h, key), key); ok {
			t.Fatalf("remove left %q", key)
		}
		for i := range orig {
			if h[i] != orig[i] {
				t.Fatal("operations modified the input")
			}
		}
	})
}

// FuzzHostCall drives every host function of a real instance with fuzzed
// arguments: a generated guest calls import number mem[0] with the i32/i64
// arguments stored from mem[8]. The host must never fail the guest or panic.
func FuzzHostCall(f *testing.F) {
	funcs := hostFuncs()
	var imports, calls strings.Builder
	for i, fn := range funcs {
		var params, args []string
		off := 8
		for _, pt := range fn.params {
			if pt == api.ValueTypeI64 {
				params = append(params, "i64")
				args = append(args, fmt.Sprintf("(i64.load (i32.const %d))", off))
				off += 8
			} else {
				params = append(params, "i32")
				args = append(args, fmt.Sprintf("(i32.load (i32.const %d))", off))
				off += 4
			}
		}
		fmt.Fprintf(&imports, "  (import \"env\" %q (func $f%d (param %s) (result i32)))\n", fn.name, i, strings.Join(params, " "))
		fmt.Fprintf(&calls, "    (if (i32.eq (i32.load (i32.const 0)) (i32.const %d)) (then (i32.store (i32.const 4) (call $f%d %s))))\n", i, i, strings.Join(args, " "))
	}
	wat := fmt.Sprintf(`(module
%s  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param $n i32) (result i32)
    (if (i32.gt_u (local.get $n) (i32.const 32768)) (then (return (i32.const 0))))
    (global.set $heap (i32.add (global.get $heap) (i32.const 32768)))
    (if (i32.ge_u (global.get $heap) (i32.const 131072)) (then (global.set $heap (i32.const 65536))))
    (global.get $heap))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
%s    (i32.const 0)))
`, imports.String(), calls.String())
	h, _ := newTestHost(f, Config{HTTPCalls: silentDispatcher{}})
	p, err := h.Load(context.Background(), PluginConfig{Name: "fuzz", VMID: "fuzz", Module: watGuest(f, "fuzz_host_call", wat), PoolSize: 1, MemoryLimitPages: 4})
	if err != nil {
		f.Fatal(err)
	}
	seed := func(fn int, args ...uint32) []byte {
		b := binary.LittleEndian.AppendUint32(nil, uint32(fn))
		b = binary.LittleEndian.AppendUint32(b, 0)
		for _, a := range args {
			b = binary.LittleEndian.AppendUint32(b, a)
		}
		return b
	}
	for i := range funcs {
		f.Add(seed(i, 0, 16, 32, 8, 40, 4, 48, 4, 100, 60, 0, 0))
		f.Add(seed(i, 0xfffffff0, 0xfffffff0, 0x10, 0xffff, 0, 0, 0, 0, 0, 0, 0, 0))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		if len(input) < 4 || len(input) > 4096 {
			return
		}
		s := p.NewHTTPStream(mapProps{"a": "b"}, StreamCallbacks{})
		defer s.Done()
		in := s.s.in
		in.mu.Lock()
		mem := in.mem
		buf := make([]byte, 8+96)
		copy(buf, input)
		binary.LittleEndian.PutUint32(buf, binary.LittleEndian.Uint32(buf)%uint32(len(funcs)))
		mem.Write(0, buf)
		if len(input) > len(buf) {
			mem.Write(uint32(len(buf)), input[len(buf):])
		}
		in.mu.Unlock()
		hd := Headers{{Key: ":path", Value: "/"}}
		if r := s.OnRequestHeaders(&hd, true); r.Err != nil {
			t.Fatalf("host call %s failed the guest: %v", funcs[binary.LittleEndian.Uint32(buf)].name, r.Err)
		}
	})
}
