package main

import (
	"strconv"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

// reasonHeader is where the authz filter puts a denial's reason.
const reasonHeader = "x-wasmesh-authz-reason"

// stream is one request. The header callbacks read only the headers the
// stream needs, in the fewest host calls; the stream end reads only the
// properties the labels and the record need.
type stream struct {
	types.DefaultHttpContext
	p                     *plugin
	start                 uint64
	peer                  *peer // noPeer until the peer's metadata arrives
	method, path, host    string
	requestID, protocol   string
	code                  int
	grpcStatus, reason    string
	reporter              string
	sawResponse, reported bool
}

func (s *stream) OnHttpRequestHeaders(int, bool) types.Action {
	s.start = nowNanos()
	// The listener direction is a stream property: read it per stream.
	s.reporter = s.p.cfg.Reporter
	if s.reporter == "" {
		s.reporter = reporterFromDirection()
	}
	var contentType, peer string
	sawPeer := false
	if s.p.cfg.ReportCluster != "" {
		// Records need most of the request's headers: one call for the map.
		hs, _ := proxywasm.GetHttpRequestHeaders()
		for _, h := range hs {
			switch strings.ToLower(h[0]) {
			case ":method":
				s.method = h[1]
			case ":path":
				s.path = h[1]
			case ":authority":
				s.host = h[1]
			case "x-request-id":
				s.requestID = h[1]
			case "content-type":
				contentType = h[1]
			case peerHeader:
				peer, sawPeer = h[1], true
			}
		}
	} else {
		// Metrics alone need two or three headers: one call each, whatever
		// the size of the request.
		contentType, _ = proxywasm.GetHttpRequestHeader("content-type")
		s.host, _ = proxywasm.GetHttpRequestHeader(":authority")
		if s.reporter == "destination" {
			var err error
			peer, err = proxywasm.GetHttpRequestHeader(peerHeader)
			sawPeer = err == nil
		}
	}
	s.protocol = "http"
	if strings.HasPrefix(contentType, "application/grpc") {
		s.protocol = "grpc"
	}
	switch {
	case s.reporter != "destination":
		_ = proxywasm.ReplaceHttpRequestHeader(peerHeader, s.p.selfHeader)
	case sawPeer:
		if pi, err := s.p.peers.decode(peer); err == nil {
			s.peer = pi
		}
		_ = proxywasm.RemoveHttpRequestHeader(peerHeader)
	}
	return types.ActionContinue
}

func (s *stream) OnHttpResponseHeaders(int, bool) types.Action {
	s.sawResponse = true
	// Each header the stream needs, one host call each: cheaper than the
	// whole map, which real responses fill with headers of no interest.
	if v, err := proxywasm.GetHttpResponseHeader(":status"); err == nil {
		s.code, _ = strconv.Atoi(v)
	}
	if s.protocol == "grpc" {
		if v, err := proxywasm.GetHttpResponseHeader("grpc-status"); err == nil {
			s.grpcStatus = v
		}
	}
	if s.p.cfg.ReportCluster != "" { // the reason is for records only
		if v, err := proxywasm.GetHttpResponseHeader(reasonHeader); err == nil {
			s.reason = v
		}
	}
	if s.reporter != "source" {
		_ = proxywasm.ReplaceHttpResponseHeader(peerHeader, s.p.selfHeader)
	} else if v, err := proxywasm.GetHttpResponseHeader(peerHeader); err == nil {
		if pi, err := s.p.peers.decode(v); err == nil {
			s.peer = pi
		}
		_ = proxywasm.RemoveHttpResponseHeader(peerHeader)
	}
	return types.ActionContinue
}

func (s *stream) OnHttpResponseTrailers(int) types.Action {
	if v, err := proxywasm.GetHttpResponseTrailer("grpc-status"); err == nil {
		s.grpcStatus = v
	}
	return types.ActionContinue
}

func (s *stream) OnHttpStreamDone() {
	if s.reported {
		return
	}
	if s.start == 0 {
		// An earlier filter answered the request (e.g. authz denied it), so
		// no header callback ran here; the stream's properties still say
		// what happened, as Envoy's access-log path does for Istio's stats.
		s.fromProperties()
	}
	s.reported = true
	var durMs int64
	if end := nowNanos(); end > s.start {
		durMs = int64(end-s.start+500_000) / 1_000_000
	}
	if !s.sawResponse || s.code == 0 {
		s.code = int(propInt("response", "code"))
	}
	k := seriesKey{
		peer:        s.peer,
		reporter:    s.reporter,
		peerSAN:     s.p.peerSAN.get(),
		localSAN:    s.p.localSAN.get(),
		destService: s.p.destService.get(),
		protocol:    s.protocol,
		code:        s.code,
		grpcStatus:  s.grpcStatus,
		flags:       s.p.flags.get(),
	}
	if k.destService == "" {
		k.destService = hostOnly(s.host)
	}
	switch {
	case k.reporter == "source":
		// The TLS mode is not a label here (the client cannot see the
		// server's), so it is not read.
	case k.peerSAN != "":
		k.mutualTLS = true // the peer presented a certificate: mutual TLS
	default:
		k.mutualTLS = propBool("connection", "mtls")
	}
	reqBytes, respBytes := propInt("request", "total_size"), propInt("response", "total_size")
	m := s.p.seriesFor(&k)
	m.requests.Increment(1)
	m.duration.Record(uint64(durMs))
	m.requestBytes.Record(uint64(reqBytes))
	m.responseBytes.Record(uint64(respBytes))

	if s.p.cfg.ReportCluster == "" {
		return
	}
	r := record{
		TimeNanos: int64(s.start), Method: s.method, Path: s.path, Protocol: s.protocol, Code: s.code, Flags: k.flags, Reason: s.reason,
		DurationMs: durMs, RequestBytes: reqBytes, ResponseBytes: respBytes, RequestID: s.requestID,
	}
	if m.recordHead == nil {
		r.Reporter, r.Source, r.Destination, r.Service, r.Principal = k.reporter, s.peer.id, s.p.selfID, k.destService, k.peerSAN
		if k.reporter == "source" {
			r.Source, r.Destination, r.Principal = s.p.selfID, s.peer.id, k.localSAN
		}
		m.recordHead = r.appendHead(nil)
	}
	s.p.report(&r, m.recordHead)
}

// fromProperties fills what the header callbacks would have seen.
func (s *stream) fromProperties() {
	s.start = uint64(propInt("request", "time"))
	if s.start == 0 {
		s.start = nowNanos()
	}
	s.reporter = s.p.cfg.Reporter
	if s.reporter == "" {
		s.reporter = reporterFromDirection()
	}
	s.method, s.path, s.host = propString("request", "method"), propString("request", "path"), propString("request", "host")
	s.protocol = "http"
	if s.reporter == "destination" {
		if pi, err := s.p.peers.decode(propString("request", "headers", peerHeader)); err == nil {
			s.peer = pi
		}
	}
}

func hostOnly(s string) string {
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.Contains(s[i:], "]") {
		return s[:i]
	}
	return s
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
