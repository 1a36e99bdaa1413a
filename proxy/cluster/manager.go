package cluster

import (
	"context"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/stats"
)

// Manager owns the live clusters. Lookups are lock-free.
type Manager struct {
	ctx     context.Context
	log     *slog.Logger
	stats   *stats.Store
	secrets Secrets
	drain   time.Duration

	mu        sync.Mutex
	clusters  atomic.Pointer[map[string]*Cluster]
	endpoints map[string]*config.Endpoints // by EDS service name
}

// NewManager returns an empty manager. Clusters live until ctx ends or they are removed.
func NewManager(ctx context.Context, log *slog.Logger, st *stats.Store, secrets Secrets, drain time.Duration) *Manager {
	m := &Manager{ctx: ctx, log: log, stats: st, secrets: secrets, drain: drain, endpoints: map[string]*config.Endpoints{}}
	empty := map[string]*Cluster{}
	m.clusters.Store(&empty)
	return m
}

// Get returns the named cluster or nil.
func (m *Manager) Get(name string) *Cluster { return (*m.clusters.Load())[name] }

// All returns the current clusters by name.
func (m *Manager) All() map[string]*Cluster { return *m.clusters.Load() }

// Set replaces the cluster set. Unchanged clusters keep their pools and host
// state; removed ones drain. Clusters can be added without removing others
// with static=true entries kept by the caller in cs.
func (m *Manager) Set(cs map[string]*config.Cluster) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.clusters.Load()
	next := make(map[string]*Cluster, len(cs))
	for name, c := range cs {
		if o := old[name]; o != nil && reflect.DeepEqual(o.Config, c) {
			next[name] = o
			continue
		}
		nc := newCluster(m.ctx, c, m.secrets, m.stats, m.log)
		if c.Type == config.ClusterEDS {
			if e := m.endpoints[c.EDSServiceName]; e != nil {
				nc.SetEndpoints(e)
			}
		} else if c.Type == config.ClusterStrictDNS {
			// resolved by its loop
		}
		next[name] = nc
	}
	m.clusters.Store(&next)
	for name, o := range old {
		if next[name] != o {
			o.drainClose(m.drain)
		}
	}
}

// SetEndpoints replaces all EDS assignments (state of the world by service name).
func (m *Manager) SetEndpoints(es map[string]*config.Endpoints) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.endpoints
	m.endpoints = es
	for _, c := range *m.clusters.Load() {
		if c.Config.Type != config.ClusterEDS {
			continue
		}
		e := es[c.Config.EDSServiceName]
		if e == nil {
			e = &config.Endpoints{ClusterName: c.Config.EDSServiceName}
			if old[c.Config.EDSServiceName] == nil {
				continue
			}
		}
		if reflect.DeepEqual(old[c.Config.EDSServiceName], e) {
			continue
		}
		c.SetEndpoints(e)
	}
}

// EDSNames returns the EDS service names the current clusters need.
func (m *Manager) EDSNames() []string {
	var out []string
	for _, c := range *m.clusters.Load() {
		if c.Config.Type == config.ClusterEDS {
			out = append(out, c.Config.EDSServiceName)
		}
	}
	return out
}

// Close stops all clusters.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range *m.clusters.Load() {
		c.close()
	}
}
