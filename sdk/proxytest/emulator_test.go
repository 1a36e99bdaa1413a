//go:build !wasip1

package proxytest

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct{ types.DefaultPluginContext }

func (*plugin) NewHttpContext(uint32) types.HttpContext { return &types.DefaultHttpContext{} }

func newStream(t *testing.T) (*hostEmulator, uint32) {
	t.Helper()
	h, reset := NewHostEmulator(NewEmulatorOption().WithVMContext(&vm{}))
	t.Cleanup(reset)
	e := h.(*hostEmulator)
	id := e.InitializeHttpContext()
	e.effective = id
	return e, id
}

func TestSetBufferBytes(t *testing.T) {
	cases := []struct {
		name        string
		start, size uint32
		data        string
		want        string
		st          abi.Status
	}{
		{"prepend", 0, 0, "<", "<body", abi.StatusOK},
		{"replace", 0, 4, "new", "new", abi.StatusOK},
		{"replace beyond", 0, 1 << 30, "new", "new", abi.StatusOK},
		{"append", 4, 0, ">", "body>", abi.StatusOK},
		{"append far", 1 << 30, 0, ">", "body>", abi.StatusOK},
		{"middle", 2, 1, "x", "body", abi.StatusBadArgument},
		{"partial replace", 0, 2, "x", "body", abi.StatusBadArgument},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, id := newStream(t)
			e.https[id].reqBody = []byte("body")
			st := e.SetBufferBytes(abi.BufferHTTPRequestBody, c.start, c.size, []byte(c.data))
			if st != c.st || string(e.https[id].reqBody) != c.want {
				t.Errorf("got %v %q, want %v %q", st, e.https[id].reqBody, c.st, c.want)
			}
		})
	}
	e, _ := newStream(t)
	if st := e.SetBufferBytes(abi.BufferPluginConfiguration, 0, 0, []byte("x")); st != abi.StatusBadArgument {
		t.Errorf("configuration is writable: %v", st)
	}
	if b, st := e.GetBufferBytes(abi.BufferHTTPRequestBody, 5, 1); st != abi.StatusBadArgument {
		t.Errorf("read past the end: %q %v", b, st)
	}
}

func TestHeaderMapEdits(t *testing.T) {
	e, id := newStream(t)
	e.https[id].reqHeaders = [][2]string{{"a", "1"}, {"x", "2"}, {"a", "3"}}
	if st := e.ReplaceHeaderMapValue(abi.MapHTTPRequestHeaders, "A", "9"); st != abi.StatusOK {
		t.Fatal(st)
	}
	if got := e.https[id].reqHeaders; len(got) != 2 || got[0] != [2]string{"a", "9"} || got[1] != [2]string{"x", "2"} {
		t.Errorf("after replace: %v", got)
	}
	e.AddHeaderMapValue(abi.MapHTTPRequestHeaders, "New", "v")
	e.RemoveHeaderMapValue(abi.MapHTTPRequestHeaders, "X")
	if got := e.https[id].reqHeaders; len(got) != 2 || got[1] != [2]string{"new", "v"} {
		t.Errorf("after add and remove: %v", got)
	}
	if _, st := e.GetHeaderMapValue(abi.MapHTTPCallResponseHeaders, "a"); st != abi.StatusNotFound {
		t.Errorf("call response headers outside a call response: %v", st)
	}
	if st := e.SetHeaderMapPairs(abi.MapHTTPRequestHeaders, []byte{9, 0, 0}); st != abi.StatusBadArgument {
		t.Errorf("malformed map accepted: %v", st)
	}
}

func TestSharedDataCAS(t *testing.T) {
	e, _ := newStream(t)
	if st := e.SetSharedData("k", []byte("a"), 0); st != abi.StatusOK {
		t.Fatal(st)
	}
	_, cas, _ := e.GetSharedData("k")
	if st := e.SetSharedData("k", []byte("b"), cas+1); st != abi.StatusCASMismatch {
		t.Errorf("stale cas: %v", st)
	}
	if st := e.SetSharedData("k", []byte("b"), cas); st != abi.StatusOK {
		t.Errorf("current cas: %v", st)
	}
	if v, cas2, _ := e.GetSharedData("k"); string(v) != "b" || cas2 == cas {
		t.Errorf("after cas write: %q cas %d→%d", v, cas, cas2)
	}
}

func TestMetricKinds(t *testing.T) {
	e, _ := newStream(t)
	c, _ := e.DefineMetric(abi.MetricCounter, "c")
	if _, st := e.DefineMetric(abi.MetricGauge, "c"); st != abi.StatusBadArgument {
		t.Errorf("redefined with another type: %v", st)
	}
	e.RecordMetric(c, 2)
	e.IncrementMetric(c, 3)
	if st := e.IncrementMetric(c, -1); st != abi.StatusBadArgument {
		t.Errorf("counter decremented: %v", st)
	}
	if v, err := e.GetCounterMetric("c"); err != nil || v != 5 {
		t.Errorf("counter = %d, %v", v, err)
	}
	hi, _ := e.DefineMetric(abi.MetricHistogram, "h")
	if _, st := e.GetMetric(hi); st != abi.StatusBadArgument {
		t.Errorf("histogram read: %v", st)
	}
}
