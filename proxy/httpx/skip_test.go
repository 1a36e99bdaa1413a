package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/stats"
)

type denyFilter struct{}

func (denyFilter) Name() string { return "deny" }
func (denyFilter) OnRequest(*Stream) *LocalReply {
	return &LocalReply{Status: http.StatusForbidden, Body: "no", GRPCStatus: -1}
}

// statsFilter records what it saw, as a STATS-phase Wasm filter would.
type statsFilter struct{ requests, skipped, doneStatus int }

func (f *statsFilter) Name() string { return "stats" }
func (f *statsFilter) OnRequest(*Stream) *LocalReply {
	f.requests++
	return nil
}
func (f *statsFilter) OnSkipped(s *Stream) {
	f.skipped++
	s.OnDone(func() { f.doneStatus = s.Status })
}

// TestSkippedFiltersSeeTheStreamEnd: when a filter answers locally, the
// filters after it do not run their request callbacks but still learn how
// the stream ended, so a stats filter counts requests authz denied.
func TestSkippedFiltersSeeTheStreamEnd(t *testing.T) {
	st := &statsFilter{}
	h := New(Options{HCM: &config.HTTPConnectionManager{StatPrefix: "t"}, Stats: stats.New(), Filters: []Filter{denyFilter{}, st}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusForbidden {
		t.Fatalf("status %d", rec.Code)
	}
	if st.requests != 0 || st.skipped != 1 || st.doneStatus != http.StatusForbidden {
		t.Errorf("stats filter: %+v", st)
	}
}
