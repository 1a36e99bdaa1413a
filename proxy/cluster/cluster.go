package cluster

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/stats"
)

// Errors callers branch on.
var (
	ErrNoHealthyHost = errors.New("cluster: no healthy upstream")
	ErrOverflow      = errors.New("cluster: circuit breaker overflow")
)

// Secrets resolves SDS secrets by name at handshake time.
type Secrets interface {
	Secret(name string) *config.Secret
}

// Cluster is one live upstream cluster. Its config is immutable; hosts change
// with EDS and DNS updates.
type Cluster struct {
	Config *config.Cluster
	log    *slog.Logger
	stats  *stats.Store
	prefix string

	hosts atomic.Pointer[hostSet]
	lb    balancer

	activeRq, activeRetries, activeCx atomic.Int64
	h1, h2                            *http.Transport
	pool                              *h1Pool // plaintext HTTP/1.1

	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	warm    chan struct{}
	warmed  sync.Once
	hc      hcState
	origDst origDstHosts

	rqTotal *atomic.Int64
	rqClass [6]*atomic.Int64
	rqCode  [600]atomic.Pointer[atomic.Int64]
}

func newCluster(parent context.Context, c *config.Cluster, secrets Secrets, st *stats.Store, log *slog.Logger) *Cluster {
	ctx, cancel := context.WithCancel(parent)
	cl := &Cluster{Config: c, log: log.With("cluster", c.Name), stats: st, prefix: "cluster." + c.Name + ".",
		lb: balancer{policy: c.LB, pick2: max(c.LeastRequestPick, 2)}, ctx: ctx, cancel: cancel, warm: make(chan struct{}),
		hc: hcState{fails: map[*Host]int{}, oks: map[*Host]int{}, seen: map[*Host]bool{}}}
	cl.hosts.Store(&hostSet{})
	cl.rqTotal = st.Counter(cl.prefix + "upstream_rq_total")
	for i := 1; i < 6; i++ {
		cl.rqClass[i] = st.Counter(cl.prefix + "upstream_rq_" + strconv.Itoa(i) + "xx")
	}
	cl.h1, cl.h2 = cl.transports(secrets)
	idle := c.IdleTimeout
	if idle == 0 {
		idle = time.Hour
	}
	cl.pool = &h1Pool{dial: cl.dial, idle: idle, max: 1024, conns: map[string][]*h1Conn{}}
	if c.Endpoints != nil && c.Type == config.ClusterStatic {
		cl.SetEndpoints(c.Endpoints)
	}
	if c.Type == config.ClusterStrictDNS {
		cl.wg.Add(1)
		go cl.resolveLoop()
	}
	if len(c.HealthChecks) > 0 {
		cl.wg.Add(1)
		go cl.healthLoop()
	}
	if c.Type == config.ClusterOriginalDst {
		cl.origDst.hosts = map[string]*origDstHost{}
		cl.warmed.Do(func() { close(cl.warm) })
		cl.wg.Add(1)
		go cl.origDstCleanup()
	}
	return cl
}

// SetEndpoints replaces the host set. Live state (health-check and outlier
// verdicts) of hosts that stay is kept.
func (c *Cluster) SetEndpoints(e *config.Endpoints) {
	hs := buildHostSet(e, c.Config.LB, c.Config.RingMinSize)
	old := c.hosts.Load()
	prev := map[string]*Host{}
	for _, h := range old.all {
		prev[h.Addr] = h
	}
	for _, h := range hs.all {
		if p := prev[h.Addr]; p != nil {
			h.hcFailed.Store(p.hcFailed.Load())
			p.mu.Lock()
			h.ejectedUntil, h.ejections = p.ejectedUntil, p.ejections
			p.mu.Unlock()
			h.ejected.Store(p.ejected.Load())
		} else if len(c.Config.HealthChecks) > 0 {
			// Envoy treats new hosts as unhealthy until the first check passes.
			h.hcFailed.Store(true)
		}
	}
	c.hosts.Store(hs)
	c.stats.Gauge(c.prefix + "membership_total").Store(int64(len(hs.all)))
	c.warmed.Do(func() { close(c.warm) })
	if len(c.Config.HealthChecks) > 0 {
		go c.checkAll()
	}
}

// Warm returns a channel closed once the cluster has received its first host set.
func (c *Cluster) Warm() <-chan struct{} { return c.warm }

// Hosts returns the current hosts.
func (c *Cluster) Hosts() []*Host {
	if c.Config.Type == config.ClusterOriginalDst {
		c.origDst.mu.Lock()
		defer c.origDst.mu.Unlock()
		out := make([]*Host, 0, len(c.origDst.hosts))
		for _, e := range c.origDst.hosts {
			out = append(out, e.h)
		}
		return out
	}
	return c.hosts.Load().all
}

// Pick chooses a host for a request.
func (c *Cluster) Pick(pc *PickContext) (*Host, error) {
	if c.Config.Type == config.ClusterOriginalDst {
		return c.pickOriginalDst(pc.OriginalDst)
	}
	h := c.lb.pick(c.hosts.Load(), pc)
	if h == nil {
		c.stats.Inc(c.prefix + "upstream_cx_none_healthy")
		return nil, ErrNoHealthyHost
	}
	return h, nil
}

// AcquireRequest takes a slot under max_requests and, for HTTP/1.1,
// max_connections + max_pending_requests. The returned func releases it.
func (c *Cluster) AcquireRequest(h *Host) (func(), error) {
	l := c.Config.Limits
	n := c.activeRq.Add(1)
	h.active.Add(1)
	release := func() { c.activeRq.Add(-1); h.active.Add(-1) }
	if n > int64(l.MaxRequests) {
		release()
		c.stats.Inc(c.prefix + "upstream_rq_pending_overflow")
		return nil, ErrOverflow
	}
	if c.Config.Protocol != config.UpstreamHTTP2 && n > int64(l.MaxConnections+l.MaxPendingRequests) {
		release()
		c.stats.Inc(c.prefix + "upstream_rq_pending_overflow")
		return nil, ErrOverflow
	}
	return release, nil
}

// AcquireRetry takes a slot under max_retries.
func (c *Cluster) AcquireRetry() (func(), bool) {
	if c.activeRetries.Add(1) > int64(c.Config.Limits.MaxRetries) {
		c.activeRetries.Add(-1)
		c.stats.Inc(c.prefix + "upstream_rq_retry_overflow")
		return nil, false
	}
	return func() { c.activeRetries.Add(-1) }, true
}

// Transport returns the round tripper for a request of the given downstream
// protocol major version: HTTP/2 (h2c or ALPN h2) when configured, else the
// pooled HTTP/1.1 client (http.Transport when the cluster originates TLS).
func (c *Cluster) Transport(downstreamMajor int) http.RoundTripper {
	switch c.Config.Protocol {
	case config.UpstreamHTTP2:
		return c.h2
	case config.UpstreamDownstream:
		if downstreamMajor == 2 {
			return c.h2
		}
	}
	if c.Config.TLS == nil {
		return c.pool
	}
	return c.h1
}

// UpgradeTransport returns an HTTP/1.1 transport whose 101 responses carry a
// writable body, for WebSocket upgrades.
func (c *Cluster) UpgradeTransport() *http.Transport { return c.h1 }

// Scheme is "https" when the cluster originates TLS.
func (c *Cluster) Scheme() string {
	if c.Config.TLS != nil {
		return "https"
	}
	return "http"
}

// CountRequest counts an upstream attempt.
func (c *Cluster) CountRequest() { c.rqTotal.Add(1) }

// CountResponse counts an upstream response status (upstream_rq_2xx, upstream_rq_200).
func (c *Cluster) CountResponse(status int) {
	if status < 100 || status >= 600 {
		return
	}
	c.rqClass[status/100].Add(1)
	p := c.rqCode[status].Load()
	if p == nil {
		p = c.stats.Counter(c.prefix + "upstream_rq_" + strconv.Itoa(status))
		c.rqCode[status].Store(p)
	}
	p.Add(1)
}

// Stats returns the store the cluster counts into, and its prefix.
func (c *Cluster) Stats() (*stats.Store, string) { return c.stats, c.prefix }

func (c *Cluster) close() {
	c.cancel()
	c.wg.Wait()
	c.h1.CloseIdleConnections()
	c.h2.CloseIdleConnections()
	c.pool.CloseIdleConnections()
}

// drainClose closes the cluster's pools after in-flight requests had time to finish.
func (c *Cluster) drainClose(after time.Duration) {
	c.cancel()
	go func() {
		c.wg.Wait()
		time.Sleep(after)
		c.h1.CloseIdleConnections()
		c.h2.CloseIdleConnections()
		c.pool.CloseIdleConnections()
	}()
}

func (c *Cluster) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: c.Config.ConnectTimeout, KeepAlive: 30 * time.Second}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		c.stats.Inc(c.prefix + "upstream_cx_connect_fail")
		return nil, &ConnectError{Err: err}
	}
	c.stats.Inc(c.prefix + "upstream_cx_total")
	c.activeCx.Add(1)
	c.stats.Gauge(c.prefix + "upstream_cx_active").Add(1)
	return &countedConn{Conn: conn, c: c}, nil
}

// ConnectError marks a failure to connect to a host (retry_on connect-failure).
type ConnectError struct{ Err error }

func (e *ConnectError) Error() string { return "cluster: connect: " + e.Err.Error() }
func (e *ConnectError) Unwrap() error { return e.Err }

type countedConn struct {
	net.Conn
	c    *Cluster
	once sync.Once
}

func (cc *countedConn) Close() error {
	cc.once.Do(func() {
		cc.c.activeCx.Add(-1)
		cc.c.stats.Gauge(cc.c.prefix + "upstream_cx_active").Add(-1)
	})
	return cc.Conn.Close()
}
