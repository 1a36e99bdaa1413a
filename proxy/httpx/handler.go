package httpx

import (
	"encoding/binary"
	"encoding/hex"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmesh/wasmesh/proxy/cluster"
	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/router"
	"github.com/wasmesh/wasmesh/proxy/stats"
	"github.com/wasmesh/wasmesh/proxy/tracing"
)

// Options builds a Handler.
type Options struct {
	HCM       *config.HTTPConnectionManager
	Routes    *config.RouteConfig // resolved RDS or inline routes; nil: every request gets 404 NR
	Filters   []Filter
	Clusters  *cluster.Manager
	Stats     *stats.Store
	Log       *slog.Logger
	AccessLog io.Writer // nil: access logging off
	LogMu     *sync.Mutex
	NodeID    string // node_id tag of trace spans
}

// Handler serves one HTTP connection manager configuration.
type Handler struct {
	o       Options
	prefix  string
	rqTotal *atomic.Int64
	rqClass [6]*atomic.Int64 // by status/100
	tracer  *tracing.Tracer  // nil: tracing off
	tags    tracing.Tags
}

var _ http.Handler = (*Handler)(nil)

// New returns a Handler for o.
func New(o Options) *Handler {
	if o.LogMu == nil {
		o.LogMu = new(sync.Mutex)
	}
	h := &Handler{o: o, prefix: "http." + o.HCM.StatPrefix + "."}
	h.rqTotal = o.Stats.Counter(h.prefix + "downstream_rq_total")
	for i := 1; i < 6; i++ {
		h.rqClass[i] = o.Stats.Counter(h.prefix + "downstream_rq_" + strconv.Itoa(i) + "xx")
	}
	h.tracer, h.tags = h.newTracer()
	return h
}

// ServeHTTP runs filters, routes and forwards one request.
func (h *Handler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	s := &Stream{Req: r, Conn: ConnInfoFrom(r.Context()), Start: time.Now(), Status: 200}
	w := &respWriter{ResponseWriter: rw, s: s}
	h.rqTotal.Add(1)
	if r.Header.Get("X-Request-Id") == "" {
		r.Header.Set("X-Request-Id", newRequestID())
	}
	h.prepareHeaders(s)
	if h.tracer != nil {
		defer h.traceStart(s)() // ends after finish: the status is final
	}
	defer h.finish(s, w)
	h.route(s)
	for i, f := range h.o.Filters {
		if lr := f.OnRequest(s); lr != nil {
			for _, later := range h.o.Filters[i+1:] {
				if sk, ok := later.(Skipper); ok {
					sk.OnSkipped(s)
				}
			}
			h.localReply(w, s, lr)
			return
		}
	}
	h.route(s) // filters may have changed headers (route cache cleared)
	rt := s.Route
	switch {
	case rt == nil:
		h.localReply(w, s, &LocalReply{Status: http.StatusNotFound, Flag: FlagNoRoute, GRPCStatus: -1})
	case rt.Direct != nil:
		h.direct(w, s, rt)
	case rt.Redirect != nil:
		h.redirect(w, s, rt)
	default:
		h.forward(w, s, rt)
	}
}

func (h *Handler) route(s *Stream) {
	if h.o.Routes == nil {
		s.VHost, s.Route = nil, nil
		return
	}
	req := router.FromHTTP(s.Req)
	s.VHost = router.SelectVirtualHost(h.o.Routes, req.Host)
	s.Route = router.SelectRoute(s.VHost, &req)
}

func (h *Handler) prepareHeaders(s *Stream) {
	r := s.Req
	if h.o.HCM.UseRemoteAddress {
		if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			if prior := r.Header.Get("X-Forwarded-For"); prior != "" {
				r.Header.Set("X-Forwarded-For", prior+", "+ip)
			} else {
				r.Header.Set("X-Forwarded-For", ip)
			}
		}
	}
	if r.Header.Get("X-Forwarded-Proto") == "" {
		if r.TLS != nil || s.Conn.TLS != nil {
			r.Header.Set("X-Forwarded-Proto", "https")
		} else {
			r.Header.Set("X-Forwarded-Proto", "http")
		}
	}
}

func (h *Handler) finish(s *Stream, w *respWriter) {
	if !w.wrote {
		w.WriteHeader(s.Status)
	}
	if c := s.Status / 100; c >= 1 && c <= 5 {
		h.rqClass[c].Add(1)
	}
	if h.o.AccessLog != nil {
		writeAccessLog(h.o.AccessLog, h.o.LogMu, s, w.Header().Get("X-Envoy-Upstream-Service-Time"))
	}
	for i := len(s.doneHooks) - 1; i >= 0; i-- {
		s.doneHooks[i]()
	}
}

// writeHeaders applies response header operations and hooks, then writes the status.
func (h *Handler) writeHeaders(w *respWriter, s *Stream, status int, extra ...*config.HeaderOps) {
	hdr := w.Header()
	for _, ops := range extra {
		if ops != nil {
			router.ApplyHeaders(hdr, ops)
		}
	}
	if rt := s.Route; rt != nil {
		router.ApplyHeaders(hdr, &rt.ResponseHeaders)
	}
	if s.VHost != nil {
		router.ApplyHeaders(hdr, &s.VHost.ResponseHeaders)
	}
	if h.o.Routes != nil {
		router.ApplyHeaders(hdr, &h.o.Routes.ResponseHeaders)
	}
	for _, f := range s.respHooks {
		f(status, hdr)
	}
	w.WriteHeader(status)
}

func (h *Handler) localReply(w *respWriter, s *Stream, lr *LocalReply) {
	if lr.Flag != "" {
		s.AddFlag(lr.Flag)
	}
	for k, v := range lr.Header {
		w.Header()[k] = v
	}
	body := lr.Body
	if body == "" && lr.Status >= 400 {
		body = localBody(lr)
	}
	if isGRPC(s.Req) {
		code := lr.GRPCStatus
		if code < 0 {
			code = grpcStatusForHTTP(lr.Status)
		}
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Grpc-Status", strconv.Itoa(code))
		w.Header().Set("Grpc-Message", body)
		h.writeHeaders(w, s, http.StatusOK)
		return
	}
	if w.Header().Get("Content-Type") == "" && body != "" {
		w.Header().Set("Content-Type", "text/plain")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	h.writeHeaders(w, s, lr.Status)
	_, _ = io.WriteString(w, body)
}

func localBody(lr *LocalReply) string {
	switch lr.Flag {
	case FlagNoHealthy:
		return "no healthy upstream"
	case FlagOverflow:
		return "upstream connect error or disconnect/reset before headers. reset reason: overflow"
	case FlagConnectFailure:
		return "upstream connect error or disconnect/reset before headers. reset reason: connection failure"
	case FlagUpstreamTimeout:
		return "upstream request timeout"
	case FlagFaultAbort:
		return "fault filter abort"
	case FlagUpstreamReset:
		return "upstream connect error or disconnect/reset before headers. reset reason: connection termination"
	}
	if lr.Details != "" {
		return lr.Details
	}
	return ""
}

func (h *Handler) direct(w *respWriter, s *Stream, rt *config.Route) {
	if len(rt.Direct.Body) > 0 {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "text/plain")
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(rt.Direct.Body)))
	h.writeHeaders(w, s, rt.Direct.Status)
	_, _ = w.Write(rt.Direct.Body)
}

func (h *Handler) redirect(w *respWriter, s *Stream, rt *config.Route) {
	scheme := "http"
	if s.Req.TLS != nil || s.Conn.TLS != nil {
		scheme = "https"
	}
	loc := router.RedirectURL(rt.Redirect, &rt.Match, scheme, s.Req.Host, s.Req.URL.Path, s.Req.URL.RawQuery)
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Length", "0")
	h.writeHeaders(w, s, rt.Redirect.Code)
}

func newRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

func isGRPC(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc")
}

// grpcStatusForHTTP maps an HTTP status to a gRPC code as Envoy does.
func grpcStatusForHTTP(status int) int {
	switch status {
	case 400:
		return 13
	case 401:
		return 16
	case 403:
		return 7
	case 404:
		return 12
	case 429, 502, 503, 504:
		return 14
	}
	return 2
}

// respWriter records status and bytes and exposes the underlying writer to
// http.ResponseController (Flush, Hijack).
type respWriter struct {
	http.ResponseWriter
	s     *Stream
	wrote bool
}

func (w *respWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	w.s.Status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *respWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.s.BytesOut += int64(n)
	return n, err
}

func (w *respWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
