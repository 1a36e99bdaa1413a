package httpx

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/wasmesh/wasmesh/proxy/cluster"
	"github.com/wasmesh/wasmesh/proxy/config"
)

func isUpgrade(r *http.Request) bool {
	return r.ProtoMajor == 1 && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
}

func (h *Handler) websocketAllowed(a *config.RouteAction) bool {
	if a.WebSocket != nil {
		return *a.WebSocket
	}
	return h.o.HCM.WebSocket
}

// websocket forwards an HTTP/1.1 Upgrade: websocket request and then splices
// the two connections.
func (h *Handler) websocket(w *respWriter, s *Stream, rt *config.Route, cl *cluster.Cluster) {
	upgrade := s.Req.Header.Get("Upgrade") // outbound strips hop-by-hop headers in place
	out := h.outbound(s.Req.Context(), s, rt, nil)
	out.Header.Set("Connection", "Upgrade")
	out.Header.Set("Upgrade", upgrade)
	pc := h.pickContext(s, rt.Forward, w)
	originalDst(s, cl, pc)
	host, err := cl.Pick(pc)
	if err != nil {
		h.localReply(w, s, &LocalReply{Status: http.StatusServiceUnavailable, Flag: FlagNoHealthy, GRPCStatus: -1})
		return
	}
	release, err := cl.AcquireRequest(host)
	if err != nil {
		h.localReply(w, s, &LocalReply{Status: http.StatusServiceUnavailable, Flag: FlagOverflow, GRPCStatus: -1})
		return
	}
	defer release()
	out.URL.Scheme, out.URL.Host = cl.Scheme(), host.Addr
	if out.Host == "" {
		out.Host = s.Req.Host
	}
	s.UpstreamHost = host.Addr
	resp, err := cl.UpgradeTransport().RoundTrip(out)
	if err != nil {
		cl.Report(host, cluster.Result{ConnectFail: true})
		h.localReply(w, s, &LocalReply{Status: http.StatusServiceUnavailable, Flag: FlagConnectFailure, GRPCStatus: -1})
		return
	}
	cl.Report(host, cluster.Result{Status: resp.StatusCode})
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer resp.Body.Close()
		h.copyResponse(w, s, resp, nil)
		return
	}
	up, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		resp.Body.Close()
		h.localReply(w, s, &LocalReply{Status: http.StatusBadGateway, Flag: FlagUpstreamReset, GRPCStatus: -1})
		return
	}
	defer up.Close()
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	w.wrote, s.Status = true, http.StatusSwitchingProtocols
	for _, f := range s.respHooks {
		f(http.StatusSwitchingProtocols, resp.Header)
	}
	resp.Body = nil
	if err := resp.Write(brw); err != nil {
		return
	}
	if err := brw.Flush(); err != nil {
		return
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		n, _ := io.Copy(up, readerOf(brw))
		s.BytesIn += n
		if cw, ok := up.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		} else {
			up.Close()
		}
	}()
	go func() {
		defer wg.Done()
		n, _ := io.Copy(conn, up)
		s.BytesOut += n
		conn.Close()
	}()
	wg.Wait()
}

func readerOf(brw *bufio.ReadWriter) io.Reader {
	if brw.Reader.Buffered() > 0 {
		return brw
	}
	return brw.Reader
}
