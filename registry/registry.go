package registry

import (
	"log/slog"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/control/api"
)

// DefaultGracePeriod is how long a workload stays after its last proxy
// connection ended, so that a proxy restart or reconnect does not remove
// its endpoints.
const DefaultGracePeriod = 10 * time.Second

// Clock schedules the removal of disconnected workloads; tests pass a fake.
type Clock interface {
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a scheduled function that can be stopped.
type Timer interface {
	Stop() bool
}

type realClock struct{}

func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// ConfigSource lists configs by kind; *config.Snapshot is one.
type ConfigSource interface {
	List(kind string) []api.Config
}

// Options configure a Registry.
type Options struct {
	// DomainSuffix of implicit services; DefaultDomainSuffix when empty.
	DomainSuffix string
	// GracePeriod before a disconnected workload is removed;
	// DefaultGracePeriod when zero.
	GracePeriod time.Duration
	// Clock for the grace period; the real clock when nil.
	Clock Clock
	// Logger for registrations; slog.Default() when nil.
	Logger *slog.Logger
}

// Registry aggregates ServiceEntry/WorkloadEntry configs and the workloads
// of connected proxies into a View, and tells subscribers when it changes.
type Registry struct {
	opts Options

	mu        sync.Mutex
	configs   ConfigSource
	sources   map[string]SourceView
	workloads map[string]*registration
	view      *View // nil when it must be rebuilt
	subs      map[chan struct{}]struct{}
}

type registration struct {
	w       Workload
	conns   int
	removal Timer
}

// New returns an empty registry.
func New(opts Options) *Registry {
	if opts.GracePeriod <= 0 {
		opts.GracePeriod = DefaultGracePeriod
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Registry{opts: opts, sources: map[string]SourceView{}, workloads: map[string]*registration{}, subs: map[chan struct{}]struct{}{}}
}

// SetConfig replaces the ServiceEntries and WorkloadEntries with those of
// src (typically the new config snapshot).
func (r *Registry) SetConfig(src ConfigSource) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.configs = src
	r.changed()
}

// SetSource merges another registry's view (e.g. Kubernetes) under name,
// replacing the previous view of that name; nil removes it. Call it again
// whenever that registry changes.
func (r *Registry) SetSource(name string, v SourceView) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v == nil {
		delete(r.sources, name)
	} else {
		r.sources[name] = v
	}
	r.changed()
}

// Connect registers the workload of a proxy that connected, and returns
// the function to call when that connection ends. A workload is identified
// by namespace and name; the latest registration's details win. When its
// last connection ends the workload is removed after the grace period,
// unless it connects again before.
func (r *Registry) Connect(w Workload) (disconnect func()) {
	if w.Source == "" {
		w.Source = "proxy"
	}
	id := w.Namespace + "/" + w.Name
	r.mu.Lock()
	reg, ok := r.workloads[id]
	if !ok {
		reg = &registration{}
		r.workloads[id] = reg
		r.opts.Logger.Info("registry: workload registered", "workload", id, "address", w.Address)
	}
	if reg.removal != nil {
		reg.removal.Stop()
		reg.removal = nil
	}
	reg.conns++
	if !ok || !reflect.DeepEqual(reg.w, w) {
		reg.w = w
		r.changed()
	}
	r.mu.Unlock()

	var once sync.Once
	return func() { once.Do(func() { r.disconnect(id, reg) }) }
}

func (r *Registry) disconnect(id string, reg *registration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reg.conns--
	if reg.conns > 0 || r.workloads[id] != reg {
		return
	}
	var t Timer
	t = r.opts.Clock.AfterFunc(r.opts.GracePeriod, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.workloads[id] == reg && reg.conns == 0 && reg.removal == t {
			delete(r.workloads, id)
			r.opts.Logger.Info("registry: workload removed after grace period", "workload", id)
			r.changed()
		}
	})
	reg.removal = t
}

// changed drops the cached view and notifies subscribers; r.mu is held.
func (r *Registry) changed() {
	r.view = nil
	for ch := range r.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Subscribe returns a channel that receives a signal after every change
// (signals coalesce when the reader is slow; read View after each) and a
// function that ends the subscription.
func (r *Registry) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	r.mu.Lock()
	r.subs[ch] = struct{}{}
	r.mu.Unlock()
	return ch, func() {
		r.mu.Lock()
		delete(r.subs, ch)
		r.mu.Unlock()
	}
}

// View returns the current view, building it if something changed.
func (r *Registry) View() *View {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.view != nil {
		return r.view
	}
	in := Input{DomainSuffix: r.opts.DomainSuffix}
	if r.configs != nil {
		in.ServiceEntries = r.configs.List(api.KindServiceEntry)
		in.WorkloadEntries = r.configs.List(api.KindWorkloadEntry)
	}
	for _, reg := range r.workloads {
		in.Workloads = append(in.Workloads, reg.w)
	}
	names := make([]string, 0, len(r.sources))
	for n := range r.sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		in.Sources = append(in.Sources, r.sources[n])
	}
	r.view = Build(in)
	return r.view
}

// Services returns every service of the current view.
func (r *Registry) Services() []Service { return r.View().Services() }

// Endpoints returns the endpoints of a service port in the current view.
func (r *Registry) Endpoints(host string, port int) []Endpoint { return r.View().Endpoints(host, port) }

// Workloads returns the workloads of the current view.
func (r *Registry) Workloads() []Workload { return r.View().Workloads() }
