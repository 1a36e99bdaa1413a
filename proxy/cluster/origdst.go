package cluster

import (
	"net"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// origDstHosts holds the hosts of an ORIGINAL_DST cluster, created on first
// use for each destination and removed after a cleanup interval without
// requests (Envoy's cleanup_interval).
type origDstHosts struct {
	mu    sync.Mutex
	hosts map[string]*origDstHost
}

type origDstHost struct {
	h    *Host
	used bool // picked since the last sweep
}

// pickOriginalDst returns the host for addr, an IP:port destination.
func (c *Cluster) pickOriginalDst(addr string) (*Host, error) {
	ip, _, err := net.SplitHostPort(addr)
	if err != nil || net.ParseIP(ip) == nil {
		c.stats.Inc(c.prefix + "upstream_cx_none_healthy")
		return nil, ErrNoHealthyHost
	}
	od := &c.origDst
	od.mu.Lock()
	defer od.mu.Unlock()
	e := od.hosts[addr]
	if e == nil {
		e = &origDstHost{h: &Host{Addr: addr, Weight: 1}}
		od.hosts[addr] = e
		c.stats.Gauge(c.prefix + "membership_total").Store(int64(len(od.hosts)))
	}
	e.used = true
	return e.h, nil
}

// origDstCleanup drops the hosts that served no request for one interval.
func (c *Cluster) origDstCleanup() {
	defer c.wg.Done()
	t := time.NewTicker(c.Config.CleanupInterval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		od := &c.origDst
		od.mu.Lock()
		for addr, e := range od.hosts {
			if !e.used && e.h.Active() == 0 {
				delete(od.hosts, addr)
			}
			e.used = false
		}
		c.stats.Gauge(c.prefix + "membership_total").Store(int64(len(od.hosts)))
		od.mu.Unlock()
		c.pool.CloseIdleConnections()
	}
}

// OriginalDstHeader returns the request header that names the destination
// of an ORIGINAL_DST cluster with use_http_header, or "".
func (c *Cluster) OriginalDstHeader() string {
	if c.Config.Type != config.ClusterOriginalDst {
		return ""
	}
	return c.Config.OrigDstHeader
}

// IsOriginalDst reports whether hosts are the connections' original destinations.
func (c *Cluster) IsOriginalDst() bool { return c.Config.Type == config.ClusterOriginalDst }
