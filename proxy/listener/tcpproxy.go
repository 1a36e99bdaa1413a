package listener

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/proxy/cluster"
	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/httpx"
	"github.com/wasmesh/wasmesh/proxy/netwasm"
	"github.com/wasmesh/wasmesh/wasm/abi"
	wasmhost "github.com/wasmesh/wasmesh/wasm/host"
)

// NetWasmLoader loads the plugins of envoy.filters.network.wasm filters;
// wasmfilter.Factory implements it.
type NetWasmLoader interface {
	Plugin(ctx context.Context, cfg *config.WasmFilter) (*wasmhost.Plugin, error)
}

// netWasmChain loads a filter chain's network Wasm filters. A filter whose
// module cannot be loaded is skipped when it fails open; otherwise the
// chain, and so the listener, is refused.
func (m *Manager) netWasmChain(l *config.Listener, fc *config.FilterChain) (*netwasm.Chain, error) {
	var fs []netwasm.Filter
	for i := range fc.NetWasm {
		w := &fc.NetWasm[i]
		if m.o.NetWasm == nil {
			return nil, fmt.Errorf("listener: %s: network filter %s: no wasm host configured", l.Name, w.Name)
		}
		p, err := m.o.NetWasm.Plugin(context.Background(), w)
		if err != nil && w.FailOpen {
			m.o.Log.Warn("network wasm filter unavailable, failing open", "listener", l.Name, "filter", w.Name, "err", err)
			m.o.Stats.Inc("wasm.fail_open_skipped")
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("listener: %s: network filter %s: %w", l.Name, w.Name, err)
		}
		fs = append(fs, netwasm.Filter{Name: w.Name, Plugin: p})
	}
	return netwasm.NewChain(m.o.Log, fs), nil
}

// tcpProxy connects conn to a host of the configured cluster and copies bytes
// both ways until either side closes or the idle timeout passes; the chain's
// network Wasm filters (nw, may be nil) see the bytes both ways.
func (m *Manager) tcpProxy(l *config.Listener, t *config.TCPProxy, nw *netwasm.Chain, conn net.Conn, ci *httpx.ConnInfo) {
	defer conn.Close()
	start := time.Now()
	name := t.Cluster
	if len(t.Weighted) > 0 {
		name = pickWeighted(t.Weighted)
	}
	prefix := "tcp." + t.StatPrefix + "."
	m.o.Stats.Inc(prefix + "downstream_cx_total")
	var wc *netwasm.Conn
	if nw != nil && nw.Len() > 0 {
		ctx, cancel := context.Background(), context.CancelFunc(func() {})
		if t.IdleTimeout > 0 {
			ctx, cancel = context.WithTimeout(ctx, t.IdleTimeout)
		}
		c, err := nw.Open(ctx, conn, ci)
		cancel()
		if err != nil {
			m.o.Stats.Inc(prefix + "wasm_closed")
			m.tcpLog(t, start, "-", 0, 0, "")
			return
		}
		defer c.Close()
		wc, conn = c, c
	}
	cl := m.o.Clusters.Get(name)
	if cl == nil {
		m.o.Stats.Inc(prefix + "downstream_cx_no_route")
		m.tcpLog(t, start, "NC", 0, 0, "")
		return
	}
	pc := &cluster.PickContext{}
	if cl.IsOriginalDst() && ci.OriginalDst != nil {
		pc.OriginalDst = ci.OriginalDst.String()
	}
	host, err := cl.Pick(pc)
	if err != nil {
		m.tcpLog(t, start, "UH", 0, 0, "")
		return
	}
	release, err := cl.AcquireRequest(host)
	if err != nil {
		m.tcpLog(t, start, "UO", 0, 0, host.Addr)
		return
	}
	defer release()
	d := net.Dialer{Timeout: cl.Config.ConnectTimeout}
	up, err := d.DialContext(context.Background(), "tcp", host.Addr)
	if err != nil {
		cl.Report(host, cluster.Result{ConnectFail: true})
		m.tcpLog(t, start, "UF", 0, 0, host.Addr)
		return
	}
	defer up.Close()
	cl.Report(host, cluster.Result{Status: 200})
	if wc != nil {
		wc.UpstreamConnected(host.Addr)
	}
	var in, out int64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		in = copyIdle(up, conn, t.IdleTimeout)
		closeWrite(up)
	}()
	go func() {
		defer wg.Done()
		out = copyIdle(conn, up, t.IdleTimeout)
		closeWrite(conn)
	}()
	wg.Wait()
	if wc != nil {
		peer := abi.PeerRemote
		if wc.ClosedByFilter() {
			peer = abi.PeerLocal
		}
		wc.UpstreamClosed(peer)
	}
	m.tcpLog(t, start, "-", in, out, host.Addr)
}

func closeWrite(c net.Conn) {
	if halfClose(c) != errors.ErrUnsupported {
		return
	}
	_ = c.Close()
}

// copyIdle copies src to dst, failing after idle without traffic.
func copyIdle(dst, src net.Conn, idle time.Duration) int64 {
	buf := make([]byte, 32<<10)
	var n int64
	for {
		if idle > 0 {
			_ = src.SetReadDeadline(time.Now().Add(idle))
		}
		r, err := src.Read(buf)
		if r > 0 {
			if _, werr := dst.Write(buf[:r]); werr != nil {
				return n
			}
			n += int64(r)
		}
		if err != nil {
			if err != io.EOF {
				_ = dst.Close()
			}
			return n
		}
	}
}

func pickWeighted(ws []config.WeightedCluster) string {
	var total uint32
	for _, w := range ws {
		total += w.Weight
	}
	if total == 0 {
		return ws[0].Name
	}
	x := rand.Uint32N(total)
	for _, w := range ws {
		if x < w.Weight {
			return w.Name
		}
		x -= w.Weight
	}
	return ws[len(ws)-1].Name
}

// tcpLog writes Envoy's default access log line for a TCP connection.
func (m *Manager) tcpLog(t *config.TCPProxy, start time.Time, flags string, in, out int64, upstream string) {
	if !t.AccessLog || m.o.AccessLog == nil {
		return
	}
	if upstream == "" {
		upstream = "-"
	}
	m.o.AccessLog(fmt.Sprintf("[%s] \"- - -\" 0 %s %d %d %d - \"-\" \"-\" \"-\" \"-\" \"%s\"\n",
		start.UTC().Format("2006-01-02T15:04:05.000Z"), flags, in, out, time.Since(start).Milliseconds(), upstream))
}
