package registry

import (
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/api"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock runs scheduled functions when advanced past their time.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	timers []*fakeTimer
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Duration
	f       func()
	stopped bool
	fired   bool
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now + d, f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	active := !t.stopped && !t.fired
	t.stopped = true
	return active
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now += d
	var due []*fakeTimer
	for _, t := range c.timers {
		if !t.stopped && !t.fired && t.at <= c.now {
			t.fired = true
			due = append(due, t)
		}
	}
	c.mu.Unlock()
	for _, t := range due {
		t.f()
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func received(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestGracePeriod(t *testing.T) {
	clock := &fakeClock{}
	r := New(Options{GracePeriod: 10 * time.Second, Clock: clock, Logger: quiet})
	events, cancel := r.Subscribe()
	defer cancel()
	w := Workload{Name: "reviews-1", Namespace: "default", Service: "reviews", Address: "127.0.0.1",
		Ports: []Port{{Name: "http", Number: 9080, Protocol: api.ProtocolHTTP}}}
	host := "reviews.default.svc.cluster.local"

	disconnect := r.Connect(w)
	if !received(events) || len(r.Endpoints(host, 9080)) != 1 {
		t.Fatal("connect did not add the endpoint")
	}
	if got := r.Workloads(); len(got) != 1 || got[0].Source != "proxy" {
		t.Fatalf("workloads = %+v", got)
	}
	disconnect()
	disconnect() // idempotent
	clock.Advance(9 * time.Second)
	if received(events) || len(r.Endpoints(host, 9080)) != 1 {
		t.Fatal("workload removed before the grace period")
	}
	// Reconnecting within the grace period keeps it, and an identical
	// registration is not a change.
	disconnect = r.Connect(w)
	if received(events) {
		t.Fatal("identical reconnect signalled a change")
	}
	clock.Advance(5 * time.Second)
	if len(r.Services()) != 1 {
		t.Fatal("workload removed although it reconnected")
	}
	// Two connections: it stays until both end.
	second := r.Connect(w)
	disconnect()
	clock.Advance(time.Minute)
	if len(r.Services()) != 1 {
		t.Fatal("workload removed while a connection remains")
	}
	second()
	clock.Advance(10 * time.Second)
	if !received(events) || len(r.Services()) != 0 || len(r.Endpoints(host, 9080)) != 0 {
		t.Fatal("workload not removed after the grace period")
	}
	// Changed details replace the registration.
	d1 := r.Connect(w)
	received(events)
	w.Address = "127.0.0.2"
	d2 := r.Connect(w)
	if !received(events) || r.Endpoints(host, 9080)[0].Address != "127.0.0.2" {
		t.Fatal("new details not applied")
	}
	d1()
	d2()
}

type configs map[string][]api.Config

func (c configs) List(kind string) []api.Config { return c[kind] }

func TestSetConfigAndSelector(t *testing.T) {
	r := New(Options{Clock: &fakeClock{}, Logger: quiet})
	events, cancel := r.Subscribe()
	defer cancel()
	r.SetConfig(configs{api.KindServiceEntry: {se("default", "details", api.ServiceEntry{
		Hosts: []string{"details.default.svc.cluster.local"}, Location: api.MeshInternal, Resolution: api.ResolutionStatic,
		Ports:            []api.ServicePort{{Number: 9080, Name: "http", Protocol: api.ProtocolHTTP}},
		WorkloadSelector: &api.WorkloadSelector{Labels: map[string]string{"app": "details"}},
	})}})
	if !received(events) {
		t.Fatal("no event for config")
	}
	if len(r.Endpoints("details.default.svc.cluster.local", 9080)) != 0 {
		t.Fatal("endpoints before any workload")
	}
	done := r.Connect(Workload{Name: "d1", Namespace: "default", Address: "127.0.0.5", Labels: map[string]string{"app": "details"},
		Ports: []Port{{Name: "http", Number: 19080}}})
	defer done()
	eps := r.Endpoints("details.default.svc.cluster.local", 9080)
	if len(eps) != 1 || eps[0].Port != 19080 || eps[0].Workload != "d1" {
		t.Fatalf("endpoints = %+v", eps)
	}
	v1 := r.View()
	if r.View() != v1 {
		t.Fatal("view rebuilt without a change")
	}
}

// fakeSource is another registry's view.
type fakeSource struct{ v *View }

func (f fakeSource) Services() []Service { return f.v.Services() }
func (f fakeSource) Endpoints(h string, p uint32) []Endpoint {
	return f.v.Endpoints(h, int(p))
}
func (f fakeSource) Workloads() []Workload { return f.v.Workloads() }

func TestSources(t *testing.T) {
	// The "cluster" has the reviews service with one pod.
	pod := Workload{Name: "reviews-1", Namespace: "default", Service: "reviews", Address: "10.0.0.1",
		Labels: map[string]string{"app": "reviews"}, Ports: []Port{{Name: "http", Number: 9080}}}
	cluster := fakeSource{Build(Input{Workloads: []Workload{pod}})}
	r := New(Options{Clock: &fakeClock{}, Logger: quiet})
	events, cancel := r.Subscribe()
	defer cancel()
	r.SetSource("kubernetes", cluster)
	if !received(events) {
		t.Fatal("no event for a source")
	}
	// A proxy-registered VM joins the same service.
	done := r.Connect(Workload{Name: "reviews-vm", Namespace: "default", Service: "reviews", Address: "127.0.0.9",
		Labels: map[string]string{"app": "reviews"}, Ports: []Port{{Name: "http", Number: 9080}}})
	defer done()
	// A ServiceEntry selecting app=reviews picks the pod from the source too.
	r.SetConfig(configs{api.KindServiceEntry: {se("default", "alias", api.ServiceEntry{
		Hosts: []string{"reviews.internal"}, Location: api.MeshInternal, Resolution: api.ResolutionStatic,
		Ports:            []api.ServicePort{{Number: 80, Name: "http", Protocol: api.ProtocolHTTP}},
		WorkloadSelector: &api.WorkloadSelector{Labels: map[string]string{"app": "reviews"}},
	})}})
	eps := r.Endpoints("reviews.default.svc.cluster.local", 9080)
	if len(eps) != 2 || eps[0].Address != "10.0.0.1" || eps[1].Address != "127.0.0.9" {
		t.Fatalf("merged endpoints = %+v", eps)
	}
	alias := r.Endpoints("reviews.internal", 80)
	if len(alias) != 2 || alias[0].Port != 9080 {
		t.Fatalf("selected endpoints = %+v", alias)
	}
	if len(r.Workloads()) != 2 {
		t.Fatalf("workloads = %+v", r.Workloads())
	}
	// The VM joined the cluster's service instead of duplicating it.
	if svcs := r.Services(); len(svcs) != 2 || svcs[0].Hostname != "reviews.default.svc.cluster.local" || svcs[1].Hostname != "reviews.internal" {
		t.Fatalf("services = %+v", svcs)
	}
	r.SetSource("kubernetes", nil)
	if eps := r.Endpoints("reviews.default.svc.cluster.local", 9080); len(eps) != 1 {
		t.Fatalf("after removing the source: %+v", eps)
	}
}

// The real clock removes a workload after a short grace period.
func TestRealClock(t *testing.T) {
	r := New(Options{GracePeriod: 20 * time.Millisecond, Logger: quiet})
	events, cancel := r.Subscribe()
	defer cancel()
	r.Connect(Workload{Name: "a", Namespace: "default", Service: "a", Address: "127.0.0.1", Ports: []Port{{Name: "http", Number: 80}}})()
	<-events
	select {
	case <-events:
	case <-time.After(5 * time.Second):
		t.Fatal("no removal event")
	}
	if len(r.Services()) != 0 {
		t.Fatal("workload not removed")
	}
}
