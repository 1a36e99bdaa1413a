package listener

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmesh/wasmesh/proxy/cluster"
	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/h1"
	"github.com/wasmesh/wasmesh/proxy/httpx"
	"github.com/wasmesh/wasmesh/proxy/netwasm"
	"github.com/wasmesh/wasmesh/proxy/stats"
)

// HandlerBuilder builds the HTTP handler of a filter chain from the current
// routes and filters. It is called again by Refresh when those change.
type HandlerBuilder func(l *config.Listener, fc *config.FilterChain) (http.Handler, error)

// headerTimeout bounds the time from a request's first byte to the end of its head.
const headerTimeout = 60 * time.Second

// Options configures a Manager.
type Options struct {
	Log       *slog.Logger
	Stats     *stats.Store
	Clusters  *cluster.Manager
	Secrets   cluster.Secrets
	Build     HandlerBuilder
	NetWasm   NetWasmLoader // loads envoy.filters.network.wasm plugins; nil refuses them
	Drain     time.Duration // how long replaced chains and removed listeners may finish
	AccessLog func(line string)
}

// Manager owns the active listeners.
type Manager struct {
	o      Options
	mu     sync.Mutex
	active map[string]*listener
	byAddr atomic.Pointer[map[string]*listener] // bind_to_port=false targets for original-dst handoff
	connID atomic.Uint64
	wg     sync.WaitGroup
}

// New returns a Manager with no listeners.
func New(o Options) *Manager {
	m := &Manager{o: o, active: map[string]*listener{}}
	empty := map[string]*listener{}
	m.byAddr.Store(&empty)
	return m
}

type listener struct {
	m     *Manager
	cfg   atomic.Pointer[config.Listener]
	ln    net.Listener // nil when bind_to_port is false
	state atomic.Pointer[chainSet]
}

type chainSet struct {
	chains map[*config.FilterChain]*chain
}

type chain struct {
	cfg     *config.FilterChain
	handler atomic.Pointer[http.Handler]
	srv     *http.Server // HTTP/2 (ALPN h2, h2c) and the HTTP2-only codec
	h1      *h1.Server   // HTTP/1.x
	feed    *feed
	tls     *tls.Config
	netwasm *netwasm.Chain // network Wasm filters ahead of tcp_proxy
	done    chan struct{}
}

// Update replaces the listener set. Listeners whose config is unchanged keep
// running (their handlers are rebuilt by Refresh). Changed listeners on the
// same address keep their socket and swap chains; removed ones drain.
func (m *Manager) Update(ls map[string]*config.Listener) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var errs []error
	for name, l := range m.active {
		nl := ls[name]
		if nl == nil || nl.Address != l.cfg.Load().Address || nl.BindToPort != l.cfg.Load().BindToPort {
			l.close(m.o.Drain)
			delete(m.active, name)
		}
	}
	for name, cfg := range ls {
		l := m.active[name]
		if l != nil && reflect.DeepEqual(l.cfg.Load(), cfg) {
			continue
		}
		fresh := l == nil
		if fresh {
			nl, err := m.open(cfg)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			l = nl
		}
		if err := l.install(cfg); err != nil {
			errs = append(errs, err)
			if fresh {
				l.close(0)
			}
			continue
		}
		if fresh && l.ln != nil {
			// accept only once the listener has its config: a connection
			// arriving in between would find none
			m.wg.Add(1)
			go l.acceptLoop()
		}
		m.active[name] = l
	}
	addrs := map[string]*listener{}
	for _, l := range m.active {
		if c := l.cfg.Load(); !c.BindToPort {
			addrs[c.Address] = l
		}
	}
	m.byAddr.Store(&addrs)
	return errors.Join(errs...)
}

// Refresh rebuilds every chain's HTTP handler (after RDS, ECDS or filter changes).
func (m *Manager) Refresh() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var errs []error
	for _, l := range m.active {
		cfg := l.cfg.Load()
		for _, c := range l.state.Load().chains {
			if c.cfg.HTTP == nil {
				continue
			}
			h, err := m.o.Build(cfg, c.cfg)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			c.handler.Store(&h)
		}
	}
	return errors.Join(errs...)
}

// Addr returns the bound address of the named listener (useful with port 0).
func (m *Manager) Addr(name string) net.Addr {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l := m.active[name]; l != nil && l.ln != nil {
		return l.ln.Addr()
	}
	return nil
}

// Names returns the active listener names.
func (m *Manager) Names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.active))
	for n := range m.active {
		out = append(out, n)
	}
	return out
}

// Close stops all listeners, letting in-flight requests drain for up to drain.
func (m *Manager) Close(drain time.Duration) {
	m.mu.Lock()
	for name, l := range m.active {
		l.close(drain)
		delete(m.active, name)
	}
	m.mu.Unlock()
	m.wg.Wait()
}

func (m *Manager) open(cfg *config.Listener) (*listener, error) {
	l := &listener{m: m}
	l.state.Store(&chainSet{chains: map[*config.FilterChain]*chain{}})
	if cfg.BindToPort {
		ln, err := net.Listen("tcp", cfg.Address)
		if err != nil {
			return nil, fmt.Errorf("listener: %s: %w", cfg.Name, err)
		}
		l.ln = ln
	}
	return l, nil
}

// install builds the chains of cfg, swaps them in and drains the previous
// ones; chains a filter-chain-only change leaves as they were keep running
// (reuse.go).
func (l *listener) install(cfg *config.Listener) error {
	m := l.m
	set := &chainSet{chains: map[*config.FilterChain]*chain{}}
	all := make([]*config.FilterChain, 0, len(cfg.FilterChains)+1)
	for i := range cfg.FilterChains {
		all = append(all, &cfg.FilterChains[i])
	}
	if cfg.DefaultChain != nil {
		all = append(all, cfg.DefaultChain)
	}
	addr := net.Addr(&net.TCPAddr{})
	if l.ln != nil {
		addr = l.ln.Addr()
	}
	reuse := newReuser(l.cfg.Load(), cfg, l.state.Load())
	for _, fc := range all {
		if c := reuse.take(fc); c != nil {
			set.chains[fc] = c
			continue
		}
		c, err := m.newChain(cfg, fc, addr)
		if err != nil {
			for _, c := range set.chains {
				if !reuse.kept[c] {
					c.shutdown(0)
				}
			}
			return err
		}
		set.chains[fc] = c
	}
	l.cfg.Store(cfg)
	old := l.state.Swap(set)
	for _, c := range old.chains {
		if !reuse.kept[c] {
			go c.shutdown(m.o.Drain)
		}
	}
	m.o.Stats.Gauge("listener_manager.total_listeners_active").Store(int64(len(m.active)))
	return nil
}

func (m *Manager) newChain(cfg *config.Listener, fc *config.FilterChain, addr net.Addr) (*chain, error) {
	c := &chain{cfg: fc, done: make(chan struct{})}
	if fc.TLS != nil {
		c.tls = m.serverTLS(fc.TLS, fc.HTTP != nil)
	}
	if len(fc.NetWasm) > 0 {
		nw, err := m.netWasmChain(cfg, fc)
		if err != nil {
			return nil, err
		}
		c.netwasm = nw
	}
	if fc.HTTP == nil {
		close(c.done)
		return c, nil
	}
	h, err := m.o.Build(cfg, fc)
	if err != nil {
		return nil, err
	}
	c.handler.Store(&h)
	c.feed = newFeed(addr)
	p := new(http.Protocols)
	switch fc.HTTP.Codec {
	case config.CodecHTTP1:
		p.SetHTTP1(true)
	case config.CodecHTTP2:
		p.SetHTTP2(true)
		p.SetUnencryptedHTTP2(true)
	default:
		p.SetHTTP1(true)
		p.SetHTTP2(true)
		p.SetUnencryptedHTTP2(true)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*c.handler.Load()).ServeHTTP(w, r) })
	c.h1 = &h1.Server{
		Handler:           handler,
		IdleTimeout:       fc.HTTP.StreamIdleTimeout,
		ReadHeaderTimeout: headerTimeout,
		ErrorLog:          slogErrorLog(m.o.Log),
	}
	if fc.HTTP.Codec != config.CodecHTTP1 {
		c.h1.HTTP2 = c.handOffH2C
	}
	c.srv = &http.Server{
		Handler:           handler,
		Protocols:         p,
		IdleTimeout:       fc.HTTP.StreamIdleTimeout,
		ReadHeaderTimeout: headerTimeout,
		ErrorLog:          slogErrorLog(m.o.Log),
		ConnContext: func(ctx context.Context, conn net.Conn) context.Context {
			return httpx.WithConnInfo(ctx, connInfoOf(conn))
		},
		HTTP2: &http.HTTP2Config{MaxConcurrentStreams: 1000},
	}
	go func() {
		defer close(c.done)
		_ = c.srv.Serve(c.feed)
	}()
	return c, nil
}

func (c *chain) shutdown(drain time.Duration) {
	if c.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	h1done := make(chan struct{})
	go func() {
		defer close(h1done)
		if err := c.h1.Shutdown(ctx); err != nil {
			_ = c.h1.Close()
		}
	}()
	if err := c.srv.Shutdown(ctx); err != nil {
		_ = c.srv.Close()
	}
	<-h1done
	<-c.done
}

// handOffH2C gives a plaintext connection that opened with the HTTP/2
// preface (and the bytes read from it) to the HTTP/2 server.
func (c *chain) handOffH2C(ctx context.Context, conn net.Conn, read []byte) {
	rc := &replayConn{Conn: conn, r: io.MultiReader(bytes.NewReader(read), conn)}
	if !c.feed.push(&infoConn{Conn: rc, info: httpx.ConnInfoFrom(ctx)}) {
		conn.Close()
	}
}

// serve hands an HTTP connection to the server of its protocol: HTTP/2
// negotiated by ALPN, or the HTTP2-only codec, go to the HTTP/2 server;
// everything else to the HTTP/1.x server, which hands over h2c itself.
func (c *chain) serve(conn net.Conn, tc *tls.Conn, ci *httpx.ConnInfo) {
	if tc != nil && !istioALPN(ci.TLS.NegotiatedProtocol) {
		// Istio's mTLS ALPN values are not HTTP protocols (http.Server
		// closes connections with an unknown negotiated protocol): those
		// stay wrapped and are served as HTTP/1.1 (or h2c prior knowledge).
		if ci.TLS.NegotiatedProtocol == "h2" || c.cfg.HTTP.Codec == config.CodecHTTP2 {
			// http.Server needs the *tls.Conn itself to negotiate h2 by ALPN.
			registerInfo(tc, ci)
			if !c.feed.push(tc) {
				tlsInfos.Delete(tc)
				tc.Close()
			}
			return
		}
		conn = tc // the HTTP/1 server sets Request.TLS from it
	}
	if c.cfg.HTTP.Codec == config.CodecHTTP2 {
		if !c.feed.push(conn) {
			conn.Close()
		}
		return
	}
	c.h1.ServeConn(httpx.WithConnInfo(context.Background(), ci), conn)
}

func (l *listener) close(drain time.Duration) {
	if l.ln != nil {
		_ = l.ln.Close()
	}
	for _, c := range l.state.Load().chains {
		l.m.wg.Add(1)
		go func() {
			defer l.m.wg.Done()
			c.shutdown(drain)
		}()
	}
}

func (l *listener) acceptLoop() {
	defer l.m.wg.Done()
	var delay time.Duration
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			time.Sleep(delay)
			continue
		}
		delay = 0
		go l.m.handleConn(l, conn)
	}
}

// handleConn recovers the original destination, hands the connection to the
// listener bound there if any, selects a chain and dispatches.
func (m *Manager) handleConn(l *listener, conn net.Conn) {
	cfg := l.cfg.Load()
	var origDst net.Addr
	if cfg.UseOriginalDst {
		if od := originalDst(conn); od != nil {
			origDst = od
			byAddr := *m.byAddr.Load()
			target := byAddr[od.String()]
			if target == nil {
				any := "0.0.0.0"
				if od.IP.To4() == nil {
					any = "::"
				}
				target = byAddr[net.JoinHostPort(any, strconv.Itoa(od.Port))]
			}
			if target != nil {
				l, cfg = target, target.cfg.Load()
			}
		}
	}
	m.o.Stats.Inc("listener." + cfg.Name + ".downstream_cx_total")
	port := uint32(0)
	if origDst != nil {
		port = uint32(origDst.(*net.TCPAddr).Port)
	} else if ta, ok := conn.LocalAddr().(*net.TCPAddr); ok {
		port = uint32(ta.Port)
	}
	var hello helloInfo
	if cfg.NeedsTLSPeek {
		pc, h, err := peekHello(conn, 15*time.Second)
		if err != nil {
			conn.Close()
			return
		}
		conn, hello = pc, h
	}
	fc := selectChain(cfg.FilterChains, cfg.DefaultChain, port, hello)
	if fc == nil {
		m.o.Stats.Inc("listener." + cfg.Name + ".no_filter_chain_match")
		conn.Close()
		return
	}
	c := l.state.Load().chains[fc]
	if c == nil {
		conn.Close()
		return
	}
	ci := &httpx.ConnInfo{ID: m.connID.Add(1), Local: conn.LocalAddr(), Remote: conn.RemoteAddr(), OriginalDst: origDst,
		Listener: cfg.Name, Direction: cfg.Direction, ChainName: fc.Name}
	var tlsConn *tls.Conn
	if c.tls != nil {
		tc := tls.Server(conn, c.tls)
		_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.Handshake(); err != nil {
			m.o.Stats.Inc("listener." + cfg.Name + ".ssl.connection_error")
			tc.Close()
			return
		}
		_ = tc.SetDeadline(time.Time{})
		st := tc.ConnectionState()
		ci.TLS = &st
		conn = &infoConn{Conn: tc, info: ci}
		tlsConn = tc
	} else {
		conn = &infoConn{Conn: conn, info: ci}
	}
	if fc.TCP != nil {
		m.tcpProxy(cfg, fc.TCP, c.netwasm, conn, ci)
		return
	}
	c.serve(conn, tlsConn, ci)
}

// istioALPN reports whether p is one of the ALPN values Istio's sidecars
// offer for mesh mTLS (istio, istio-peer-exchange, istio-http/1.1, ...).
func istioALPN(p string) bool { return strings.HasPrefix(p, "istio") }
