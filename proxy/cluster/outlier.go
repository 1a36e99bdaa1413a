package cluster

import (
	"math/rand/v2"
	"time"
)

// Result is what the router reports about one upstream attempt.
type Result struct {
	Status      int  // HTTP status, 0 when no response
	ConnectFail bool // could not connect
	Reset       bool // connection reset or timeout before a response
}

func (r Result) is5xx() bool { return r.Status >= 500 || r.ConnectFail || r.Reset }
func (r Result) isGateway() bool {
	return r.Status == 502 || r.Status == 503 || r.Status == 504 || r.ConnectFail || r.Reset
}

// Report feeds outlier detection and per-host stats with an attempt's result.
func (c *Cluster) Report(h *Host, r Result) {
	h.Requests.Add(1)
	if r.is5xx() {
		h.Errors5xx.Add(1)
	}
	od := c.Config.Outlier
	if od == nil {
		return
	}
	h.mu.Lock()
	eject := false
	if r.is5xx() {
		h.consec5xx++
		if h.consec5xx >= od.Consecutive5xx && od.Consecutive5xx > 0 && enforce(od.Enforcing5xx) {
			eject = true
		}
	} else {
		h.consec5xx = 0
	}
	if r.isGateway() {
		h.consecGateway++
		if h.consecGateway >= od.ConsecutiveGatewayFailure && od.ConsecutiveGatewayFailure > 0 && enforce(od.EnforcingGateway) {
			eject = true
		}
	} else {
		h.consecGateway = 0
	}
	h.mu.Unlock()
	if eject {
		c.eject(h)
	}
}

func enforce(percent int) bool { return percent >= 100 || rand.IntN(100) < percent }

func (c *Cluster) eject(h *Host) {
	od := c.Config.Outlier
	now := time.Now()
	all := c.hosts.Load().all
	ejected := 0
	for _, x := range all {
		if x != h && x.ejected.Load() && !x.Healthy(now) {
			ejected++
		}
	}
	if len(all) == 0 || ejected*100 >= od.MaxEjectionPercent*len(all) {
		c.stats.Inc(c.prefix + "outlier_detection.ejections_overflow")
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ejected.Load() && now.Before(h.ejectedUntil) {
		return
	}
	h.ejections++
	d := od.BaseEjectionTime * time.Duration(h.ejections)
	if d > od.MaxEjectionTime && od.MaxEjectionTime > 0 {
		d = od.MaxEjectionTime
	}
	h.ejectedUntil = now.Add(d)
	h.ejected.Store(true)
	h.consec5xx, h.consecGateway = 0, 0
	c.stats.Inc(c.prefix + "outlier_detection.ejections_enforced_total")
	c.log.Info("outlier ejected host", "host", h.Addr, "for", d)
}
