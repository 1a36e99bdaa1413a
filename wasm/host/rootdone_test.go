package host

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/internal/syncbuf"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// delayDispatcher answers every http call with 200 after delay and records
// whether the plugin's context was still live when the call was sent.
type delayDispatcher struct {
	delay time.Duration
	mu    sync.Mutex
	paths []string
	dead  int // calls dispatched with a canceled context
}

var _ HTTPCallDispatcher = (*delayDispatcher)(nil)

func (d *delayDispatcher) Dispatch(ctx context.Context, req HTTPCallRequest, done func(HTTPCallResponse)) {
	p, _ := headerGet(req.Headers, ":path")
	d.mu.Lock()
	d.paths = append(d.paths, p)
	if ctx.Err() != nil {
		d.dead++
	}
	d.mu.Unlock()
	go func() {
		time.Sleep(d.delay)
		done(HTTPCallResponse{Headers: []abi.Pair{{Key: ":status", Value: "200"}}})
	}()
}

// loadRootDone loads the rootdone guest in the given mode.
func loadRootDone(t *testing.T, mode string, d HTTPCallDispatcher, mod func(*PluginConfig)) (*Host, *Plugin, *syncbuf.Buffer) {
	t.Helper()
	h, lb := newTestHost(t, Config{HTTPCalls: d})
	pc := PluginConfig{Name: "rootdone", VMID: "rootdone-" + mode, Module: goGuest(t, "rootdone"), Configuration: []byte(mode),
		PoolSize: 1, CallTimeout: 300 * time.Millisecond}
	if mod != nil {
		mod(&pc)
	}
	p, err := h.Load(context.Background(), pc)
	if err != nil {
		t.Fatal(err)
	}
	return h, p, lb
}

// rootEvents returns each instance's root callbacks in order, sorted.
func rootEvents(h *Host, vm string) []string {
	h.shared.mu.Lock()
	defer h.shared.mu.Unlock()
	var out []string
	for k, e := range h.shared.vms[vm] {
		if strings.HasPrefix(k, "events/") {
			out = append(out, string(e.value))
		}
	}
	sort.Strings(out)
	return out
}

// closeTimed closes p and returns how long that took.
func closeTimed(t *testing.T, ctx context.Context, p *Plugin) time.Duration {
	t.Helper()
	start := time.Now()
	if err := p.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	return time.Since(start)
}

// TestRootDoneOnClose: closing a plugin calls proxy_on_done and then
// proxy_on_delete on every instance's root context, and no proxy_on_log.
func TestRootDoneOnClose(t *testing.T) {
	h, p, _ := loadRootDone(t, "yes", nil, func(pc *PluginConfig) { pc.PoolSize = 2 })
	if got := rootEvents(h, "rootdone-yes"); len(got) != 0 {
		t.Fatalf("events before close: %q", got)
	}
	if d := closeTimed(t, context.Background(), p); d > time.Second {
		t.Errorf("close took %v", d)
	}
	if got, want := rootEvents(h, "rootdone-yes"), []string{"done;delete;", "done;delete;"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

// TestRootDoneLaterProxyDone: proxy_on_done returns false and sends an http
// call; the instance keeps delivering the response (ticks stopped) until
// the guest calls proxy_done, then proxy_on_delete runs and Close returns.
func TestRootDoneLaterProxyDone(t *testing.T) {
	d := &delayDispatcher{delay: 150 * time.Millisecond}
	h, p, lb := loadRootDone(t, "later", d, nil)
	took := closeTimed(t, context.Background(), p)
	want := []string{"done;call:0;response:1;proxy_done:0;delete;"}
	if got := rootEvents(h, "rootdone-later"); !slices.Equal(got, want) {
		t.Errorf("events %q, want %q (no tick, no log)", got, want)
	}
	if took < d.delay || took > d.delay+time.Second {
		t.Errorf("close took %v; the response came after %v and proxy_done at once", took, d.delay)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.paths) != 1 || d.paths[0] != "/bye" || d.dead != 0 {
		t.Errorf("calls %q, %d with a canceled context", d.paths, d.dead)
	}
	if strings.Contains(lb.String(), "did not call proxy_done") {
		t.Errorf("bound reported although the guest called proxy_done:\n%s", lb.String())
	}
	t.Logf("close with one http call answered after %v took %v", d.delay, took)
}

// TestRootDoneBound: a guest that never calls proxy_done holds Close for
// DoneTimeout, no longer, and gets no ticks meanwhile; a ctx ending sooner
// ends the wait sooner.
func TestRootDoneBound(t *testing.T) {
	const bound = 300 * time.Millisecond
	h, p, lb := loadRootDone(t, "never", nil, func(pc *PluginConfig) { pc.DoneTimeout = bound })
	took := closeTimed(t, context.Background(), p)
	if took < bound || took > bound+time.Second {
		t.Errorf("close took %v, want about the %v bound", took, bound)
	}
	if got, want := rootEvents(h, "rootdone-never"), []string{"done;delete;"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q (a 5 ms tick must not run while waiting)", got, want)
	}
	if !strings.Contains(lb.String(), "did not call proxy_done in time") {
		t.Errorf("the bound was not logged:\n%s", lb.String())
	}
	t.Logf("DoneTimeout %v: close took %v", bound, took)

	_, p, _ = loadRootDone(t, "never", nil, nil) // DefaultDoneTimeout
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if took := closeTimed(t, ctx, p); took > DefaultDoneTimeout/2 {
		t.Errorf("close with a 100ms context took %v (DefaultDoneTimeout %v)", took, DefaultDoneTimeout)
	} else {
		t.Logf("context of 100ms, DoneTimeout %v: close took %v", DefaultDoneTimeout, took)
	}
}

// TestRootDoneGuestFails: a root context that traps or overruns its
// deadline in proxy_on_done, or traps in the callback it waited for, does
// not hold Close, and gets no proxy_on_delete from a dead instance.
func TestRootDoneGuestFails(t *testing.T) {
	for _, c := range []struct{ mode, events, log string }{
		{"trap", "done;", "proxy_on_done of the root context failed"},
		{"loop", "done;", "proxy_on_done of the root context failed"},
		{"late-trap", "done;call:0;", "guest failed while ending its root context"},
	} {
		t.Run(c.mode, func(t *testing.T) {
			d := &delayDispatcher{delay: 10 * time.Millisecond}
			h, p, lb := loadRootDone(t, c.mode, d, func(pc *PluginConfig) { pc.DoneTimeout = 10 * time.Second })
			if took := closeTimed(t, context.Background(), p); took > 3*time.Second {
				t.Errorf("close took %v with a failing guest", took)
			}
			if got := rootEvents(h, "rootdone-"+c.mode); !slices.Equal(got, []string{c.events}) {
				t.Errorf("events %q, want %q", got, c.events)
			}
			if !strings.Contains(lb.String(), c.log) {
				t.Errorf("log lacks %q:\n%s", c.log, lb.String())
			}
		})
	}
}

// TestClosePausedStreamsFail: a stream paused on an instance when its plugin
// closes gets the fail strategy's outcome through its callbacks, and its
// next callback fails per the strategy.
func TestClosePausedStreamsFail(t *testing.T) {
	for _, fail := range []FailStrategy{FailClose, FailOpen} {
		_, p, _ := loadConformance(t, func(_ *Config, pc *PluginConfig) { pc.Fail = fail })
		replies, resumes := make(chan LocalResponse, 1), make(chan abi.StreamType, 1)
		s := p.NewHTTPStream(nil, StreamCallbacks{LocalReply: func(lr LocalResponse) { replies <- lr }, Resume: func(d abi.StreamType) { resumes <- d }})
		hd := Headers{{Key: ":path", Value: "/p"}, {Key: "x-case", Value: "pause"}}
		if r := s.OnRequestHeaders(&hd, false); r.Err != nil || r.Action != abi.ActionPause {
			t.Fatalf("fail strategy %d: pause case gave %+v", fail, r)
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		switch fail {
		case FailClose:
			select {
			case lr := <-replies:
				if lr.Status != 503 {
					t.Errorf("FailClose: local reply %d, want 503", lr.Status)
				}
			default:
				t.Error("FailClose: paused stream got no local reply at close")
			}
		case FailOpen:
			select {
			case d := <-resumes:
				if d != abi.StreamHTTPRequest {
					t.Errorf("FailOpen: resumed %v, want the request", d)
				}
			default:
				t.Error("FailOpen: paused stream not resumed at close")
			}
		}
		body := []byte("x")
		if r := s.OnRequestBody(&body, true); r.Err == nil {
			t.Errorf("fail strategy %d: callback after close succeeded", fail)
		}
		s.Done()
	}
}
