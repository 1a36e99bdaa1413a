package cluster

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// healthLoop runs the first configured active HTTP health check.
func (c *Cluster) healthLoop() {
	defer c.wg.Done()
	hc := c.Config.HealthChecks[0]
	t := time.NewTicker(hc.Interval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			c.checkAll()
		}
	}
}

type hcState struct {
	mu         sync.Mutex
	fails, oks map[*Host]int
	seen       map[*Host]bool
}

func (c *Cluster) checkAll() {
	hc := c.Config.HealthChecks[0]
	st := &c.hc
	var wg sync.WaitGroup
	for _, h := range c.hosts.Load().all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok := c.checkOne(h, &hc)
			st.mu.Lock()
			defer st.mu.Unlock()
			defer func() { st.seen[h] = true }()
			defer func() { st.seen[h] = true }()
			if ok {
				st.fails[h] = 0
				st.oks[h]++
				// A new host needs one pass; a host that failed needs healthy_threshold.
				if h.hcFailed.Load() && (st.oks[h] >= hc.HealthyThreshold || !st.seen[h]) {
					h.hcFailed.Store(false)
					c.log.Info("health check passed", "host", h.Addr)
				}
				c.stats.Inc(c.prefix + "health_check.success")
			} else {
				st.oks[h] = 0
				st.fails[h]++
				if !h.hcFailed.Load() && st.fails[h] >= hc.UnhealthyThreshold {
					h.hcFailed.Store(true)
					c.log.Info("health check failed", "host", h.Addr)
				}
				c.stats.Inc(c.prefix + "health_check.failure")
			}
		}()
	}
	wg.Wait()
}

func (c *Cluster) checkOne(h *Host, hc *config.HealthCheck) bool {
	ctx, cancel := context.WithTimeout(c.ctx, hc.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Scheme()+"://"+h.Addr+hc.Path, nil)
	if err != nil {
		return false
	}
	if hc.Host != "" {
		req.Host = hc.Host
	} else {
		req.Host = c.Config.Name
	}
	req.Header.Set("User-Agent", "Envoy/HC")
	resp, err := c.h1.RoundTrip(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	if len(hc.ExpectedStatuses) == 0 {
		return resp.StatusCode == http.StatusOK
	}
	for _, r := range hc.ExpectedStatuses {
		if resp.StatusCode >= r[0] && resp.StatusCode < r[1] {
			return true
		}
	}
	return false
}
