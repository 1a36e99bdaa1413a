package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/internal/syncbuf"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// mapProps answers properties from a map keyed by the dot-joined path.
type mapProps map[string]string

func (m mapProps) Property(path []string) ([]byte, bool) {
	v, ok := m[strings.Join(path, ".")]
	return []byte(v), ok
}

var (
	_ Properties         = mapProps(nil)
	_ HTTPCallDispatcher = (*fakeDispatcher)(nil)
	_ HTTPCallDispatcher = silentDispatcher{}
)

// fakeDispatcher answers http calls from a goroutine: /fail fails.
type fakeDispatcher struct {
	mu   sync.Mutex
	reqs []HTTPCallRequest
}

func (d *fakeDispatcher) Dispatch(ctx context.Context, req HTTPCallRequest, done func(HTTPCallResponse)) {
	d.mu.Lock()
	d.reqs = append(d.reqs, req)
	d.mu.Unlock()
	go func() {
		p, _ := headerGet(req.Headers, ":path")
		if p == "/fail" {
			done(HTTPCallResponse{Err: errors.New("upstream reset")})
			return
		}
		done(HTTPCallResponse{Headers: []abi.Pair{{Key: ":status", Value: "200"}}, Body: []byte("pong:" + string(req.Body))})
	}()
}

func loadConformance(t *testing.T, mod func(*Config, *PluginConfig)) (*Host, *Plugin, *syncbuf.Buffer) {
	t.Helper()
	foreign := NewForeignRegistry()
	foreign.Register("echo", func(_ context.Context, args []byte) ([]byte, error) { return append([]byte("echo:"), args...), nil })
	foreign.Register("fails", func(context.Context, []byte) ([]byte, error) { return nil, errors.New("boom") })
	cfg := Config{NodeID: "node-1", NodeMetadata: map[string]string{"NAMESPACE": "ns1"}, HTTPCalls: &fakeDispatcher{}, Foreign: foreign}
	pc := PluginConfig{
		Name: "conf", RootID: "conf-root", VMID: "conf-vm", Module: goGuest(t, "conformance"),
		Configuration: []byte("plugin-cfg"), VMConfiguration: []byte("vm-cfg"), Env: map[string]string{"FOO": "bar"},
		PoolSize: 1, CallTimeout: 5 * time.Second,
	}
	if mod != nil {
		mod(&cfg, &pc)
	}
	h, lb := newTestHost(t, cfg)
	p, err := h.Load(context.Background(), pc)
	if err != nil {
		t.Fatal(err)
	}
	return h, p, lb
}

func get(h Headers, k string) string {
	v, _ := headerGet(h, k)
	return v
}

// request runs request headers with x-case and returns headers and result.
func request(t *testing.T, p *Plugin, c string, extra ...abi.Pair) (*Headers, Result, *HTTPStream) {
	t.Helper()
	s := p.NewHTTPStream(mapProps{"request.path": "/p", "connection.uri_san_peer_certificate": "spiffe://td/ns/a/sa/b"}, StreamCallbacks{})
	h := Headers{{Key: ":path", Value: "/p"}, {Key: "x-case", Value: c}}
	h = append(h, extra...)
	r := s.OnRequestHeaders(&h, false)
	if r.Err != nil {
		t.Fatalf("case %s: %v", c, r.Err)
	}
	return &h, r, s
}

func TestConformanceHeaders(t *testing.T) {
	_, p, _ := loadConformance(t, nil)
	hp, r, s := request(t, p, "headers", abi.Pair{Key: "x-a", Value: "A"}, abi.Pair{Key: "x-replace", Value: "old"},
		abi.Pair{Key: "x-replace", Value: "old2"}, abi.Pair{Key: "x-remove", Value: "gone"})
	defer s.Done()
	h := *hp
	if r.Action != abi.ActionContinue || r.Local != nil {
		t.Fatalf("result %+v", r)
	}
	want := map[string]string{
		"x-got": "/p,A,1", "x-replace": "new", "x-remove": "", "x-count": "5",
		"x-n": "6,0", "x-trailers-status": "1", "x-bad-map": "2",
	}
	for k, v := range want {
		if got := get(h, k); got != v {
			t.Errorf("%s = %q, want %q (headers %v)", k, got, v, h)
		}
	}
	size, _ := strconv.Atoi(get(h, "x-size"))
	if want := abi.EncodedMapSize(h[:6]); size != want {
		t.Errorf("x-size %d, want %d", size, want)
	}
}

func TestConformanceSetPairs(t *testing.T) {
	_, p, _ := loadConformance(t, nil)
	hp, _, s := request(t, p, "setpairs")
	defer s.Done()
	h := *hp
	if len(h) != 2 || get(h, ":path") != "/rewritten" || get(h, "x-only") != "1" {
		t.Fatalf("headers %v", h)
	}
}

func TestConformanceLocalResponse(t *testing.T) {
	_, p, _ := loadConformance(t, nil)
	_, r, s := request(t, p, "local")
	defer s.Done()
	if r.Local == nil || r.Local.Status != 403 || string(r.Local.Body) != "no entry" || r.Local.Details != "denied by test" ||
		r.Local.GRPCStatus != -1 || len(r.Local.Headers) != 1 || r.Local.Headers[0] != (abi.Pair{Key: "x-why", Value: "test"}) {
		t.Fatalf("local %+v", r.Local)
	}
	// A local reply in the response phase is allowed until the body started.
	_, _, s = request(t, p, "none")
	defer s.Done()
	h := Headers{{Key: ":status", Value: "200"}, {Key: "x-deny", Value: "1"}}
	if r := s.OnResponseHeaders(&h, false); r.Local == nil || r.Local.Status != 500 {
		t.Fatalf("response local %+v", r)
	}
}

func TestConformanceProperties(t *testing.T) {
	_, p, _ := loadConformance(t, nil)
	hp, _, s := request(t, p, "props")
	defer s.Done()
	h := *hp
	want := map[string]string{
		"x-p-plugin_name": "conf|0", "x-p-plugin_root_id": "conf-root|0", "x-p-plugin_vm_id": "conf-vm|0",
		"x-p-node.id": "node-1|0", "x-p-node.metadata.NAMESPACE": "ns1|0", "x-p-xds.node.id": "node-1|0",
		"x-p-request.path": "/p|0", "x-p-connection.uri_san_peer_certificate": "spiffe://td/ns/a/sa/b|0",
		"x-p-missing": "|1", "x-set": "0", "x-p-my.prop": "custom-value|0",
	}
	for k, v := range want {
		if got := get(h, k); got != v {
			t.Errorf("%s = %q, want %q (%v)", k, got, v, h)
		}
	}
}

func TestConformanceSharedData(t *testing.T) {
	h, p, _ := loadConformance(t, func(_ *Config, pc *PluginConfig) { pc.PoolSize = 2 })
	hd, _, s := request(t, p, "shared")
	defer s.Done()
	// NOT_FOUND, OK, v1, OK, CAS_MISMATCH, OK, v2
	if got := get(*hd, "x-shared"); got != "1,0,v1,0,8,0,v2" {
		t.Fatalf("x-shared = %q", got)
	}
	// Shared across instances and plugins of the same VM id, not others.
	if v, _, ok := h.shared.get("conf-vm", "k"); !ok || string(v) != "v2" {
		t.Fatalf("store: %q %v", v, ok)
	}
	p2, err := h.Load(context.Background(), PluginConfig{Name: "conf2", VMID: "conf-vm", Module: goGuest(t, "conformance"), PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close(context.Background())
	hd2, _, s2 := request(t, p2, "shared")
	defer s2.Done()
	// k exists already: first get is OK now, so the sequence starts with 0.
	if got := get(*hd2, "x-shared"); !strings.HasPrefix(got, "0,0,v1") {
		t.Fatalf("second plugin x-shared = %q", got)
	}
}

func TestConformanceMetrics(t *testing.T) {
	h, p, _ := loadConformance(t, nil)
	hd, _, s := request(t, p, "metrics")
	defer s.Done()
	// same id, OK, BAD_ARGUMENT (type clash), BAD_ARGUMENT (negative counter
	// increment), counter 2, gauge 5, BAD_ARGUMENT (get on histogram), NOT_FOUND
	if got := get(*hd, "x-metrics"); got != "true 0 2 2 2 5 2 1" {
		t.Fatalf("x-metrics = %q", got)
	}
	var b bytes.Buffer
	if err := h.Metrics().WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# TYPE test_requests counter\ntest_requests 2\n",
		"# TYPE test_gauge gauge\ntest_gauge 5\n",
		"# TYPE test_latency histogram\n", "test_latency_bucket{le=\"1\"} 0\n", "test_latency_bucket{le=\"5\"} 1\n",
		"test_latency_bucket{le=\"+Inf\"} 1\ntest_latency_sum 3\ntest_latency_count 1\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("exposition lacks %q:\n%s", want, b.String())
		}
	}
}

func TestConformanceQueue(t *testing.T) {
	h, p, _ := loadConformance(t, nil)
	hd, _, s := request(t, p, "queue")
	s.Done()
	// resolved id matches the registered one, OK, NOT_FOUND (other vm), OK, NOT_FOUND
	if got := get(*hd, "x-queue"); got != "true 0 1 0 1" {
		t.Fatalf("x-queue = %q", got)
	}
	// proxy_on_queue_ready ran on the registering root context (id 1) and dequeued.
	waitFor(t, func() bool {
		v, _, _ := h.shared.get("conf-vm", "queue_got")
		return string(v) == "1:hello:0"
	})
	hd, _, s = request(t, p, "queue-empty")
	s.Done()
	if got := get(*hd, "x-queue"); got != "7" { // EMPTY
		t.Fatalf("empty queue: %q", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestConformanceHTTPCall(t *testing.T) {
	h, p, _ := loadConformance(t, nil)
	resumed := make(chan abi.StreamType, 1)
	s := p.NewHTTPStream(nil, StreamCallbacks{Resume: func(st abi.StreamType) { resumed <- st }})
	defer s.Done()
	hd := Headers{{Key: ":path", Value: "/p"}, {Key: "x-case", Value: "httpcall"}}
	r := s.OnRequestHeaders(&hd, true)
	if r.Action != abi.ActionPause || r.Err != nil {
		t.Fatalf("result %+v", r)
	}
	select {
	case st := <-resumed:
		if st != abi.StreamHTTPRequest {
			t.Fatalf("resumed %v", st)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no resume")
	}
	// BAD_ARGUMENT for missing :path/:authority, then OK; the response ran
	// on the root context (1) and mutated the paused request's headers.
	if get(hd, "x-call") != "2,0" || get(hd, "x-call-result") != "1 200 pong:ping 0" {
		t.Fatalf("headers %v", hd)
	}
	d := h.cfg.HTTPCalls.(*fakeDispatcher)
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.reqs) != 1 || d.reqs[0].Cluster != "authz" || d.reqs[0].Timeout != 500*time.Millisecond {
		t.Fatalf("requests %+v", d.reqs)
	}
}

func TestConformanceHTTPCallFailure(t *testing.T) {
	_, p, _ := loadConformance(t, nil)
	replies := make(chan LocalResponse, 1)
	s := p.NewHTTPStream(nil, StreamCallbacks{LocalReply: func(lr LocalResponse) { replies <- lr }})
	defer s.Done()
	hd := Headers{{Key: "x-case", Value: "httpcall-fail"}}
	s.OnRequestHeaders(&hd, true)
	select {
	case lr := <-replies:
		if lr.Status != 502 || string(lr.Body) != "callout: upstream reset" {
			t.Fatalf("reply %+v", lr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no local reply")
	}
}

// silentDispatcher never answers: the host's timer must.
type silentDispatcher struct{}

func (silentDispatcher) Dispatch(context.Context, HTTPCallRequest, func(HTTPCallResponse)) {}

func TestConformanceHTTPCallTimeout(t *testing.T) {
	_, p, _ := loadConformance(t, func(c *Config, _ *PluginConfig) { c.HTTPCalls = silentDispatcher{} })
	replies := make(chan LocalResponse, 1)
	s := p.NewHTTPStream(nil, StreamCallbacks{LocalReply: func(lr LocalResponse) { replies <- lr }})
	defer s.Done()
	hd := Headers{{Key: "x-case", Value: "httpcall"}}
	s.OnRequestHeaders(&hd, true)
	select {
	case lr := <-replies:
		if lr.Status != 502 || !strings.Contains(string(lr.Body), "timed out") {
			t.Fatalf("reply %+v", lr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no local reply after the 500ms call timeout")
	}
}

func TestConformanceForeign(t *testing.T) {
	_, p, _ := loadConformance(t, nil)
	hd, _, s := request(t, p, "foreign")
	defer s.Done()
	if got := get(*hd, "x-foreign"); got != "echo:abc,0,1,10" {
		t.Fatalf("x-foreign = %q", got)
	}
}

func TestConformanceNotifyForeign(t *testing.T) {
	h, p, _ := loadConformance(t, nil)
	p.NotifyForeign(7, []byte("result"))
	waitFor(t, func() bool {
		v, _, _ := h.shared.get("conf-vm", "foreign_got")
		return string(v) == "1 7 result 0"
	})
}

func TestConformanceMisc(t *testing.T) {
	before := time.Now().UnixNano()
	_, p, lb := loadConformance(t, nil)
	hd, _, s := request(t, p, "misc")
	defer s.Done()
	f := strings.Fields(get(*hd, "x-misc"))
	// log level debug (1) since the test logger enables debug, OK, time,
	// random non-zero, env, vm config, plugin config, grpc UNIMPLEMENTED,
	// set_effective_context(unknown) BAD_ARGUMENT
	if len(f) != 9 || f[0] != "1" || f[1] != "0" || f[3] != "true" || f[4] != "bar" || f[5] != "vm-cfg" ||
		f[6] != "plugin-cfg" || f[7] != "12" || f[8] != "2" {
		t.Fatalf("x-misc = %q", f)
	}
	if ns, _ := strconv.ParseInt(f[2], 10, 64); ns < before || ns > time.Now().UnixNano() {
		t.Fatalf("time %s not in [%d, now]", f[2], before)
	}
	for _, want := range []string{"hello from guest", "to stderr", "configured from stdout"} {
		if !strings.Contains(lb.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

func TestConformanceBodiesAndTrailers(t *testing.T) {
	_, p, _ := loadConformance(t, nil)
	hd, _, s := request(t, p, "none")
	defer s.Done()
	body := []byte("abc")
	if r := s.OnRequestBody(&body, false); r.Action != abi.ActionPause {
		t.Fatalf("partial body: %+v", r)
	}
	body = append(body, "def"...)
	if r := s.OnRequestBody(&body, true); r.Action != abi.ActionContinue {
		t.Fatalf("body: %+v", r)
	}
	// upper-cased, prepended, appended; len 8, bytes [1,4), config buffers
	// are read-only (BAD_ARGUMENT), reading VM config is OK.
	if string(body) != "<ABCDEF>" || get(*hd, "x-body") != "8 ABC 2 0" {
		t.Fatalf("body %q headers %v", body, hd)
	}
	tr := Headers{{Key: "x-t", Value: "1"}}
	s.OnRequestTrailers(&tr)
	if get(tr, "x-trailer-added") != "1" {
		t.Fatalf("trailers %v", tr)
	}
	rh := Headers{{Key: ":status", Value: "200"}}
	s.OnResponseHeaders(&rh, false)
	rb := []byte("resp")
	s.OnResponseBody(&rb, true)
	if string(rb) != "resp!" || get(rh, "x-resp") != "1" || get(rh, "x-late-local") != "2" {
		t.Fatalf("response body %q headers %v", rb, rh)
	}
	rt := Headers{}
	s.OnResponseTrailers(&rt)
	if get(rt, "x-resp-trailer") != "1" {
		t.Fatalf("response trailers %v", rt)
	}
}

func TestConformanceCloseStream(t *testing.T) {
	_, p, _ := loadConformance(t, nil)
	closed := make(chan abi.StreamType, 1)
	s := p.NewHTTPStream(nil, StreamCallbacks{Close: func(st abi.StreamType) { closed <- st }})
	defer s.Done()
	hd := Headers{{Key: "x-case", Value: "close"}}
	s.OnRequestHeaders(&hd, true)
	select {
	case st := <-closed:
		if st != abi.StreamHTTPRequest {
			t.Fatal(st)
		}
	default:
		t.Fatal("Close not called when the callback returned")
	}
}

func TestConformanceLifecycle(t *testing.T) {
	h, p, _ := loadConformance(t, nil)
	for i := range 3 {
		_, _, s := request(t, p, "none")
		s.Done()
		v, _, _ := h.shared.get("conf-vm", "delete_count")
		if string(v) != strconv.Itoa(i+1) {
			t.Fatalf("after %d streams delete_count = %q", i+1, v)
		}
	}
	in := p.pool.slots[0].inst
	in.mu.Lock()
	n := len(in.contexts)
	in.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d contexts left, want only the root", n)
	}
}

func TestConformanceTick(t *testing.T) {
	h, _, _ := loadConformance(t, func(_ *Config, pc *PluginConfig) { pc.Configuration = []byte("tick") })
	waitFor(t, func() bool {
		v, _, _ := h.shared.get("conf-vm", "ticks")
		n, _ := strconv.Atoi(string(v))
		return n >= 3
	})
}

func TestConformanceTCP(t *testing.T) {
	h, p, _ := loadConformance(t, nil)
	closed := make(chan abi.StreamType, 1)
	s := p.NewTCPStream(nil, StreamCallbacks{Close: func(st abi.StreamType) { closed <- st }})
	defer s.Done()
	if r := s.OnNewConnection(); r.Action != abi.ActionContinue || r.Err != nil {
		t.Fatalf("new connection %+v", r)
	}
	d := []byte("hello")
	s.OnDownstreamData(&d, false)
	u := []byte("world")
	s.OnUpstreamData(&u, true)
	s.OnDownstreamClose(abi.PeerRemote)
	if string(d) != "HELLO" || string(u) != "up:world" {
		t.Fatalf("data %q %q", d, u)
	}
	if v, _, _ := h.shared.get("conf-vm", "tcp_close"); string(v) != fmt.Sprint(int(abi.PeerRemote)) {
		t.Fatalf("close peer %q", v)
	}
	if st := <-closed; st != abi.StreamUpstream {
		t.Fatal(st)
	}
}

func TestConfigureFalseIsLoadError(t *testing.T) {
	h, _ := newTestHost(t, Config{})
	_, err := h.Load(context.Background(), PluginConfig{Name: "c", Module: goGuest(t, "conformance"), Configuration: []byte("fail"), PoolSize: 1})
	var le *LoadError
	if !errors.As(err, &le) || le.Reason != ReasonConfigure {
		t.Fatalf("err %v", err)
	}
}

// TestConformanceResumeReentersStream: the proxy may drive the stream from
// inside Resume (called on the instance's goroutine after an http call).
func TestConformanceResumeReentersStream(t *testing.T) {
	_, p, _ := loadConformance(t, nil)
	var s *HTTPStream
	got := make(chan Result, 1)
	s = p.NewHTTPStream(nil, StreamCallbacks{Resume: func(abi.StreamType) {
		body := []byte("abc")
		got <- s.OnRequestBody(&body, true)
	}})
	defer s.Done()
	hd := Headers{{Key: "x-case", Value: "httpcall"}}
	if r := s.OnRequestHeaders(&hd, false); r.Action != abi.ActionPause {
		t.Fatalf("%+v", r)
	}
	select {
	case r := <-got:
		if r.Err != nil || r.Action != abi.ActionContinue {
			t.Fatalf("body from Resume: %+v", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("deadlock: body callback from Resume did not return")
	}
}

// TestTCPFailStrategy: a TCP stream on a failed guest gets the fail result
// (Local set: close the connection; FailOpen: continue).
func TestTCPFailStrategy(t *testing.T) {
	for _, fail := range []FailStrategy{FailClose, FailOpen} {
		_, p, _ := loadConformance(t, func(_ *Config, pc *PluginConfig) { pc.Fail = fail })
		s := p.NewTCPStream(nil, StreamCallbacks{})
		p.pool.slots[0].inst.mu.Lock()
		p.pool.slots[0].inst.fail(errors.New("injected"))
		p.pool.slots[0].inst.mu.Unlock()
		r := s.OnNewConnection()
		if !errors.Is(r.Err, ErrInstanceFailed) || (fail == FailClose) != (r.Local != nil) {
			t.Fatalf("fail=%d: %+v", fail, r)
		}
		s.Done()
		s2 := p.NewTCPStream(nil, StreamCallbacks{})
		if r := s2.OnNewConnection(); r.Err != nil {
			t.Fatalf("next connection: %+v", r)
		}
		s2.Done()
	}
}
