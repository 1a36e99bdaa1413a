package proxy

import (
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// clusterWarmTimeout bounds how long a route config waits for the clusters it
// references (Envoy's initial_fetch_timeout default).
const clusterWarmTimeout = 15 * time.Second

// clusterWarm reports whether a cluster exists and, for EDS, has received its
// first ClusterLoadAssignment.
func (s *state) clusterWarm(name string) bool {
	c := s.clusters[name]
	if c == nil {
		return false
	}
	return c.Type != config.ClusterEDS || s.endpoints[c.EDSServiceName] != nil
}

// routeReady reports whether every cluster a route config names is warm.
func (s *state) routeReady(rc *config.RouteConfig) bool {
	for _, vh := range rc.VirtualHosts {
		for _, r := range vh.Routes {
			a := r.Forward
			if a == nil {
				continue
			}
			if a.Cluster != "" && !s.clusterWarm(a.Cluster) {
				return false
			}
			for _, w := range a.Weighted {
				if !s.clusterWarm(w.Name) {
					return false
				}
			}
		}
	}
	return true
}

// selectRoutesLocked picks the route configs handlers use: a new version
// replaces the active one once its clusters are warm (clusters before
// routes), or after clusterWarmTimeout; a first version applies at once.
func (p *Proxy) selectRoutesLocked() {
	st := p.state
	next := map[string]*config.RouteConfig{}
	now := time.Now()
	for name, rc := range st.routes {
		old := st.activeRoutes[name]
		switch {
		case old == nil || old == rc || st.routeReady(rc):
			next[name] = rc
			delete(st.routeWaitSince, name)
		default:
			since, ok := st.routeWaitSince[name]
			if !ok {
				since = now
				st.routeWaitSince[name] = now
				time.AfterFunc(clusterWarmTimeout, p.rewarm)
			}
			if now.Sub(since) >= clusterWarmTimeout {
				next[name] = rc
				delete(st.routeWaitSince, name)
				p.log.Warn("route config applied before its clusters warmed", "route", name)
			} else {
				next[name] = old
			}
		}
	}
	st.activeRoutes = next
}

// rewarm re-evaluates waiting route configs after the warm timeout.
func (p *Proxy) rewarm() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.activateLocked(); err != nil {
		p.log.Warn("applying config after cluster warm timeout", "err", err)
	}
}
