package stats

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Store holds named counters and gauges. The zero value is not usable; use New.
type Store struct {
	mu       sync.RWMutex
	counters map[string]*atomic.Int64
	gauges   map[string]*atomic.Int64
}

// New returns an empty store.
func New() *Store {
	return &Store{counters: map[string]*atomic.Int64{}, gauges: map[string]*atomic.Int64{}}
}

func get(mu *sync.RWMutex, m map[string]*atomic.Int64, name string) *atomic.Int64 {
	mu.RLock()
	c := m[name]
	mu.RUnlock()
	if c != nil {
		return c
	}
	mu.Lock()
	defer mu.Unlock()
	if c = m[name]; c == nil {
		c = new(atomic.Int64)
		m[name] = c
	}
	return c
}

// Counter returns the counter called name, creating it at zero.
func (s *Store) Counter(name string) *atomic.Int64 { return get(&s.mu, s.counters, name) }

// Gauge returns the gauge called name, creating it at zero.
func (s *Store) Gauge(name string) *atomic.Int64 { return get(&s.mu, s.gauges, name) }

// Inc adds one to the counter called name.
func (s *Store) Inc(name string) { s.Counter(name).Add(1) }

// Value returns the current value of a counter or gauge (0 if unknown).
func (s *Store) Value(name string) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if c := s.counters[name]; c != nil {
		return c.Load()
	}
	if g := s.gauges[name]; g != nil {
		return g.Load()
	}
	return 0
}

type entry struct {
	name  string
	value int64
	gauge bool
}

func (s *Store) snapshot() []entry {
	s.mu.RLock()
	out := make([]entry, 0, len(s.counters)+len(s.gauges))
	for n, c := range s.counters {
		out = append(out, entry{n, c.Load(), false})
	}
	for n, g := range s.gauges {
		out = append(out, entry{n, g.Load(), true})
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// WriteText writes "name: value" lines like Envoy's /stats.
func (s *Store) WriteText(w io.Writer, filter string) error {
	for _, e := range s.snapshot() {
		if filter != "" && !strings.Contains(e.name, filter) {
			continue
		}
		if _, err := fmt.Fprintf(w, "%s: %d\n", e.name, e.value); err != nil {
			return err
		}
	}
	return nil
}

// WritePrometheus writes the Prometheus text format with Envoy's naming
// (envoy_ prefix, dots to underscores).
func (s *Store) WritePrometheus(w io.Writer) error {
	for _, e := range s.snapshot() {
		name := "envoy_" + sanitize(e.name)
		typ := "counter"
		if e.gauge {
			typ = "gauge"
		}
		if _, err := fmt.Fprintf(w, "# TYPE %s %s\n%s %d\n", name, typ, name, e.value); err != nil {
			return err
		}
	}
	return nil
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
