package cluster

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// Host is one upstream endpoint and its live state.
type Host struct {
	Addr      string // host:port
	Weight    uint32
	Locality  string
	edsHealth config.HealthStatus

	active   atomic.Int64 // requests in flight
	hcFailed atomic.Bool

	mu            sync.Mutex
	consec5xx     int
	consecGateway int
	ejections     int
	ejectedUntil  time.Time
	ejected       atomic.Bool

	Requests  atomic.Int64
	Errors5xx atomic.Int64
}

func newHost(h config.Host, loc *config.Locality) *Host {
	w := h.Weight
	if w == 0 {
		w = 1
	}
	return &Host{
		Addr:      net.JoinHostPort(h.Address, strconv.Itoa(int(h.Port))),
		Weight:    w,
		Locality:  loc.Region + "/" + loc.Zone + "/" + loc.SubZone,
		edsHealth: h.Health,
	}
}

// Healthy reports whether the host may receive traffic: EDS health, active
// health checks and outlier ejection all agree.
func (h *Host) Healthy(now time.Time) bool {
	if h.edsHealth == config.HealthUnhealthy || h.edsHealth == config.HealthDraining {
		return false
	}
	if h.hcFailed.Load() {
		return false
	}
	if h.ejected.Load() {
		h.mu.Lock()
		if now.After(h.ejectedUntil) {
			h.ejected.Store(false)
		}
		h.mu.Unlock()
		return !h.ejected.Load()
	}
	return true
}

// Active returns the number of requests in flight to the host.
func (h *Host) Active() int64 { return h.active.Load() }

// Ejected reports whether outlier detection currently ejects the host.
func (h *Host) Ejected() bool { return h.ejected.Load() && !h.Healthy(time.Now()) }

// HealthCheckFailed reports the active health check verdict.
func (h *Host) HealthCheckFailed() bool { return h.hcFailed.Load() }

// EDSHealth returns the health reported by the control plane.
func (h *Host) EDSHealth() config.HealthStatus { return h.edsHealth }
