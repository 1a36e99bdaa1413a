package httpx

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/router"
)

// Fault is envoy.filters.http.fault: delays and aborts a percentage of requests.
// A route's typed_per_filter_config overrides the filter-level config.
type Fault struct {
	cfg    *config.Fault
	active atomic.Int64
}

var _ Filter = (*Fault)(nil)

// NewFault returns the fault filter for cfg (which may be nil: only per-route faults apply).
func NewFault(cfg *config.Fault) *Fault { return &Fault{cfg: cfg} }

// Name implements Filter.
func (f *Fault) Name() string { return string(config.FilterFault) }

// OnRequest implements Filter.
func (f *Fault) OnRequest(s *Stream) *LocalReply {
	cfg := f.cfg
	if s.Route != nil && s.Route.Fault != nil {
		cfg = s.Route.Fault
	}
	if cfg == nil || !router.MatchHeaders(cfg.HeaderMatch, s.Req.Header) {
		return nil
	}
	if cfg.MaxActive > 0 && f.active.Load() >= int64(cfg.MaxActive) {
		return nil
	}
	f.active.Add(1)
	defer f.active.Add(-1)
	if cfg.Delay > 0 && hit(cfg.DelayPerMillion) {
		s.AddFlag(FlagFaultDelay)
		t := time.NewTimer(cfg.Delay)
		select {
		case <-t.C:
		case <-s.Req.Context().Done():
			t.Stop()
			return &LocalReply{Status: 499, Flag: FlagDownstreamReset, GRPCStatus: -1}
		}
	}
	if cfg.AbortStatus != 0 && hit(cfg.AbortPerMillion) {
		lr := &LocalReply{Status: cfg.AbortStatus, Flag: FlagFaultAbort, GRPCStatus: cfg.AbortGRPCStatus}
		if cfg.AbortGRPCStatus >= 0 && !isGRPC(s.Req) {
			lr.Header = http.Header{"Grpc-Status": {strconv.Itoa(cfg.AbortGRPCStatus)}}
		}
		return lr
	}
	return nil
}

func hit(perMillion uint32) bool {
	return perMillion >= 1000000 || rand.Uint32N(1000000) < perMillion
}
