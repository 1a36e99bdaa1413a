package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/runtime"
)

// hostileWasm compiles testdata/hostile/<name>.wat.
func hostileWasm(t *testing.T, name string) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "hostile", name+".wat"))
	if err != nil {
		t.Fatal(err)
	}
	return watGuest(t, name, string(src))
}

func hostileConfig(t *testing.T, name string, fail FailStrategy) PluginConfig {
	return PluginConfig{Name: name, VMID: name, Module: hostileWasm(t, name), Fail: fail,
		PoolSize: 1, MemoryLimitPages: 64, CallTimeout: 200 * time.Millisecond}
}

// good and bad requests: the hostile guests misbehave on exactly 3 headers.
func goodRequest(t *testing.T, p *Plugin) {
	t.Helper()
	s := p.NewHTTPStream(nil, StreamCallbacks{})
	defer s.Done()
	h := Headers{{Key: ":path", Value: "/ok"}}
	if r := s.OnRequestHeaders(&h, true); r.Err != nil || r.Local != nil || r.Action != abi.ActionContinue {
		t.Fatalf("good request: %+v", r)
	}
}

func badRequest(p *Plugin) Result {
	s := p.NewHTTPStream(nil, StreamCallbacks{})
	defer s.Done()
	h := Headers{{Key: ":path", Value: "/bad"}, {Key: "a", Value: "1"}, {Key: "b", Value: "2"}}
	return s.OnRequestHeaders(&h, true)
}

// TestHostileStreams: for each misbehaving guest and both fail strategies the
// host survives, the stream gets the strategy's result, the instance is
// replaced and the next request succeeds.
func TestHostileStreams(t *testing.T) {
	cases := []struct {
		name    string
		failing bool   // the bad request fails (else the host absorbs the abuse)
		cause   error  // expected cause when failing
		inLog   string // expected in the host log
	}{
		{"loop", true, runtime.ErrTimeout, "deadline exceeded"},
		{"trap", true, runtime.ErrTrap, "unreachable"},
		{"grow_bomb", false, nil, ""},
		{"grow_forever", true, runtime.ErrTimeout, ""},
		{"recursion", true, ErrInstanceFailed, "stack overflow"}, // a trap, or the deadline while the stack grows
		{"proc_exit", true, runtime.ErrTrap, "exited with code 3"},
		{"bogus_alloc", false, nil, ""},
		{"bogus_chunk", false, nil, ""},
		{"null_alloc", false, nil, ""},
		{"huge_args", false, nil, ""},
		{"trap_in_alloc", true, runtime.ErrTrap, "unreachable"},
		{"reentrant_alloc", false, nil, ""},
	}
	h, lb := newTestHost(t, Config{})
	for _, c := range cases {
		for _, fail := range []FailStrategy{FailClose, FailOpen} {
			t.Run(fmt.Sprintf("%s/fail=%d", c.name, fail), func(t *testing.T) {
				p, err := h.Load(context.Background(), hostileConfig(t, c.name, fail))
				if err != nil {
					t.Fatal(err)
				}
				defer p.Close(context.Background())
				goodRequest(t, p)
				first := p.pool.slots[0].inst
				start := time.Now()
				r := badRequest(p)
				if took := time.Since(start); took > 5*time.Second {
					t.Fatalf("bad request took %v", took)
				}
				if !c.failing {
					if r.Err != nil || r.Local != nil || r.Action != abi.ActionContinue {
						t.Fatalf("abuse not absorbed: %+v", r)
					}
					if pages := first.mem.Size() / 65536; pages > 64 {
						t.Fatalf("memory %d pages above the 64-page limit", pages)
					}
					goodRequest(t, p)
					return
				}
				if !errors.Is(r.Err, ErrInstanceFailed) || !errors.Is(r.Err, c.cause) {
					t.Fatalf("err = %v, want %v", r.Err, c.cause)
				}
				switch fail {
				case FailClose:
					if r.Local == nil || r.Local.Status != 503 || !strings.Contains(string(r.Local.Body), c.name) {
						t.Fatalf("fail_close result %+v", r)
					}
				case FailOpen:
					if r.Local != nil || r.Action != abi.ActionContinue {
						t.Fatalf("fail_open result %+v", r)
					}
				}
				goodRequest(t, p)
				if p.pool.slots[0].inst == first {
					t.Fatal("the failed instance was not replaced")
				}
				if c.inLog != "" && !strings.Contains(lb.String(), c.inLog) {
					t.Errorf("log lacks %q", c.inLog)
				}
			})
		}
	}
}

// TestHostileOtherStreamsContinue: a runaway stream on one instance does not
// disturb a stream on another.
func TestHostileOtherStreamsContinue(t *testing.T) {
	h, _ := newTestHost(t, Config{})
	cfg := hostileConfig(t, "loop", FailClose)
	cfg.PoolSize = 2
	p, err := h.Load(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	other := p.NewHTTPStream(nil, StreamCallbacks{})
	defer other.Done()
	done := make(chan Result, 1)
	go func() { done <- badRequest(p) }()
	h1 := Headers{{Key: ":path", Value: "/ok"}}
	if r := other.OnRequestHeaders(&h1, false); r.Err != nil {
		t.Fatalf("other stream: %+v", r)
	}
	if r := <-done; r.Local == nil {
		t.Fatalf("bad stream: %+v", r)
	}
	h2 := Headers{{Key: ":status", Value: "200"}}
	if r := other.OnResponseHeaders(&h2, true); r.Err != nil {
		t.Fatalf("other stream after the crash: %+v", r)
	}
	goodRequest(t, p)
}

// TestHostileCrashLoopBackoff: a slot failing again and again is retried
// with backoff; meanwhile streams get the fail-strategy result at once.
func TestHostileCrashLoopBackoff(t *testing.T) {
	h, lb := newTestHost(t, Config{})
	p, err := h.Load(context.Background(), hostileConfig(t, "trap", FailClose))
	if err != nil {
		t.Fatal(err)
	}
	var noInstance int
	for range 200 {
		if r := badRequest(p); errors.Is(r.Err, ErrNoInstance) {
			noInstance++
		} else if r.Local == nil {
			t.Fatalf("result %+v", r)
		}
		time.Sleep(3 * time.Millisecond)
	}
	if noInstance == 0 {
		t.Fatal("no request was refused during backoff")
	}
	if !strings.Contains(lb.String(), "crash loop") {
		t.Fatal("crash loop not logged")
	}
	waitFor(t, func() bool {
		s := p.NewHTTPStream(nil, StreamCallbacks{})
		defer s.Done()
		h := Headers{{Key: ":path", Value: "/ok"}}
		return s.OnRequestHeaders(&h, true).Err == nil
	})
}

func TestHostileLoadRefused(t *testing.T) {
	cases := []struct {
		name   string
		reason LoadReason
		want   string
	}{
		{"wrong_marker", ReasonABI, "proxy_abi_version_0_1_0"},
		{"no_allocator", ReasonExports, "proxy_on_memory_allocate"},
		{"no_memory", ReasonExports, "memory"},
		{"bad_signature", ReasonExports, "proxy_on_request_headers"},
		{"vm_start_false", ReasonStart, "returned false"},
		{"init_loop", ReasonStart, "deadline exceeded"},
		{"huge_memory", ReasonInstantiate, "exceeds the limit"},
	}
	h, _ := newTestHost(t, Config{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.Load(context.Background(), hostileConfig(t, c.name, FailClose))
			var le *LoadError
			if !errors.As(err, &le) || le.Reason != c.reason || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want reason %q containing %q", err, c.reason, c.want)
			}
		})
	}
	if _, err := h.Load(context.Background(), PluginConfig{Name: "x", Module: []byte("not wasm")}); err == nil {
		t.Fatal("garbage module loaded")
	}
	_, err := h.Load(context.Background(), PluginConfig{Name: "x", Module: hostileWasm(t, "trap"), SHA256: strings.Repeat("0", 64)})
	var le *LoadError
	if !errors.As(err, &le) || le.Reason != ReasonDigest {
		t.Fatalf("digest: %v", err)
	}
	if !errors.Is(func() error {
		_, err := h.Load(context.Background(), hostileConfig(t, "wrong_marker", FailClose))
		return err
	}(), ErrABIVersion) {
		t.Fatal("wrong marker is not ErrABIVersion")
	}
}

// TestHostileOutOfRangePointers calls every host function that takes a
// guest pointer with pointers and sizes past the end of memory, from a
// generated guest; each must answer INVALID_MEMORY_ACCESS.
func TestHostileOutOfRangePointers(t *testing.T) {
	wat, names := outOfRangeWAT()
	h, _ := newTestHost(t, Config{HTTPCalls: silentDispatcher{}})
	p, err := h.Load(context.Background(), PluginConfig{Name: "oob", VMID: "oob", Module: watGuest(t, "out_of_range", wat), PoolSize: 1, MemoryLimitPages: 16})
	if err != nil {
		t.Fatal(err)
	}
	r := badRequest(p)
	if r.Err != nil || r.Action != abi.ActionContinue {
		t.Fatalf("result %+v", r)
	}
	mem := p.pool.slots[0].inst.mem
	want := map[string]abi.Status{"proxy_get_status": abi.StatusNotFound}
	for i, n := range names {
		got, _ := mem.ReadUint32Le(uint32(1024 + 4*i))
		w, ok := want[n]
		if !ok {
			w = abi.StatusInvalidMemoryAccess
			if strings.HasPrefix(n, "proxy_grpc_") {
				w = abi.StatusUnimplemented
			}
		}
		if abi.Status(got) != w {
			t.Errorf("%s = %v, want %v", n, abi.Status(got), w)
		}
	}
	goodRequest(t, p)
}

// outOfRangeWAT generates the sweep guest: for 3 request headers it calls
// every pointer-taking import with pointers/sizes 0xfffffff0 (enum first
// arguments valid) and stores each status at 1024+4*i.
func outOfRangeWAT() (string, []string) {
	enumFirst := map[string]string{
		"proxy_log": "2", "proxy_get_buffer_bytes": "6", "proxy_set_buffer_bytes": "6", "proxy_get_buffer_status": "6",
		"proxy_get_header_map_size": "0", "proxy_get_header_map_pairs": "0", "proxy_set_header_map_pairs": "0",
		"proxy_get_header_map_value": "0", "proxy_add_header_map_value": "0", "proxy_replace_header_map_value": "0",
		"proxy_remove_header_map_value": "0", "proxy_define_metric": "0",
	}
	noPointers := map[string]bool{
		"proxy_set_tick_period_milliseconds": true, "proxy_continue_stream": true, "proxy_close_stream": true,
		"proxy_record_metric": true, "proxy_increment_metric": true, "proxy_set_effective_context": true, "proxy_done": true,
		"proxy_send_local_response": false,
	}
	var imports, calls strings.Builder
	var names []string
	for _, f := range hostFuncs() {
		if noPointers[f.name] {
			continue
		}
		i := len(names)
		names = append(names, f.name)
		var params, args []string
		for j, pt := range f.params {
			switch {
			case pt == api.ValueTypeI64:
				params = append(params, "i64")
				args = append(args, "(i64.const -16)")
			case j == 0 && enumFirst[f.name] != "":
				params = append(params, "i32")
				args = append(args, "(i32.const "+enumFirst[f.name]+")")
			default:
				params = append(params, "i32")
				args = append(args, "(i32.const -16)")
			}
		}
		fmt.Fprintf(&imports, "  (import \"env\" %q (func $f%d (param %s) (result i32)))\n", f.name, i, strings.Join(params, " "))
		fmt.Fprintf(&calls, "      (i32.store (i32.const %d) (call $f%d %s))\n", 1024+4*i, i, strings.Join(args, " "))
	}
	return fmt.Sprintf(`(module
%s  (memory (export "memory") 1)
  (func (export "proxy_abi_version_0_2_0"))
  (func (export "proxy_on_memory_allocate") (param i32) (result i32) (i32.const 8192))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (if (i32.eq (local.get $n) (i32.const 3)) (then
%s    ))
    (i32.const 0)))
`, imports.String(), calls.String()), names
}

// TestHostileGoGuestSleeps: a Go guest sleeping in a callback (WASI
// poll_oneoff) is stopped by the deadline like a busy loop.
func TestHostileGoGuestSleeps(t *testing.T) {
	_, p, _ := loadConformance(t, func(_ *Config, pc *PluginConfig) { pc.CallTimeout = 200 * time.Millisecond })
	s := p.NewHTTPStream(nil, StreamCallbacks{})
	defer s.Done()
	h := Headers{{Key: "x-case", Value: "sleep"}}
	start := time.Now()
	r := s.OnRequestHeaders(&h, true)
	if !errors.Is(r.Err, runtime.ErrTimeout) || r.Local == nil || r.Local.Status != 503 {
		t.Fatalf("result %+v", r)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("took %v", took)
	}
	hd, r, s2 := request(t, p, "none")
	defer s2.Done()
	if r.Err != nil || len(*hd) != 2 {
		t.Fatalf("next request: %+v", r)
	}
}

// TestReloadAfterClose: closing the last plugin of a module frees its
// compiled code; loading it again works, and a closed host refuses loads.
func TestReloadAfterClose(t *testing.T) {
	h, _ := newTestHost(t, Config{})
	cfg := hostileConfig(t, "trap", FailClose)
	for range 2 {
		p, err := h.Load(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		goodRequest(t, p)
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if r := badRequest(p); r.Local == nil || r.Err == nil {
			t.Fatalf("stream on a closed plugin: %+v", r)
		}
	}
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := h.Load(context.Background(), cfg)
	var le *LoadError
	if !errors.As(err, &le) || le.Reason != ReasonClosed {
		t.Fatalf("load on a closed host: %v", err)
	}
}

// TestPausedStreamsOnFailedInstance: streams paused on an instance that
// fails (while waiting for an http call) get the fail strategy through their
// callbacks instead of waiting forever.
func TestPausedStreamsOnFailedInstance(t *testing.T) {
	for _, fail := range []FailStrategy{FailClose, FailOpen} {
		_, p, _ := loadConformance(t, func(c *Config, pc *PluginConfig) { c.HTTPCalls = silentDispatcher{}; pc.Fail = fail })
		resumed := make(chan abi.StreamType, 1)
		replied := make(chan LocalResponse, 1)
		s := p.NewHTTPStream(nil, StreamCallbacks{
			Resume:     func(st abi.StreamType) { resumed <- st },
			LocalReply: func(lr LocalResponse) { replied <- lr },
		})
		hd := Headers{{Key: "x-case", Value: "httpcall"}}
		if r := s.OnRequestHeaders(&hd, false); r.Action != abi.ActionPause {
			t.Fatalf("%+v", r)
		}
		// The instance fails (as when another stream traps it).
		in := p.pool.slots[0].inst
		in.mu.Lock()
		in.fail(errors.New("injected trap"))
		pending := in.takePending()
		in.mu.Unlock()
		in.runPending(pending)
		switch fail {
		case FailClose:
			if lr := <-replied; lr.Status != 503 {
				t.Fatalf("reply %+v", lr)
			}
		case FailOpen:
			if st := <-resumed; st != abi.StreamHTTPRequest {
				t.Fatalf("resumed %v", st)
			}
		}
		s.Done()
	}
}
