package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Record is one request as a proxy reported it.
type Record struct {
	Time        time.Time `json:"time"`
	Reporter    string    `json:"reporter"`
	Source      string    `json:"source"`
	Destination string    `json:"destination"`
	Service     string    `json:"service,omitempty"`
	Principal   string    `json:"principal,omitempty"`
	Method      string    `json:"method,omitempty"`
	Path        string    `json:"path,omitempty"`
	Protocol    string    `json:"protocol,omitempty"`
	Code        int       `json:"code"`
	Flags       string    `json:"flags,omitempty"`
	// Reason is why a policy denied the request (the authz filter's
	// x-wasmesh-authz-reason), empty otherwise.
	Reason        string `json:"reason,omitempty"`
	DurationMs    int64  `json:"durationMs"`
	RequestBytes  int64  `json:"requestBytes"`
	ResponseBytes int64  `json:"responseBytes"`
	RequestID     string `json:"requestId,omitempty"`
}

// Sink keeps the newest records. The zero value is not usable; use New.
type Sink struct {
	mu       sync.Mutex
	ring     []Record
	next     int // index of the next write
	full     bool
	received uint64
	rejected uint64
}

// DefaultCapacity is how many records a sink keeps by default.
const DefaultCapacity = 10000

// maxBatchBytes bounds one POST: 100 records of a few hundred bytes each fit
// with a wide margin.
const maxBatchBytes = 4 << 20

// New returns a sink keeping the newest capacity records.
func New(capacity int) *Sink {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	return &Sink{ring: make([]Record, capacity)}
}

// ErrBadBatch is returned for a body that is not a JSON array of records.
var ErrBadBatch = errors.New("report: bad batch")

// DecodeBatch parses one POSTed batch.
func DecodeBatch(b []byte) ([]Record, error) {
	var recs []Record
	if err := json.Unmarshal(b, &recs); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadBatch, err)
	}
	return recs, nil
}

// Add stores records, overwriting the oldest when full.
func (s *Sink) Add(recs []Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range recs {
		s.ring[s.next] = r
		s.next = (s.next + 1) % len(s.ring)
		if s.next == 0 {
			s.full = true
		}
	}
	s.received += uint64(len(recs))
}

// Query selects records, newest first.
type Query struct {
	Limit       int    // at most this many (0 = 100)
	Service     string // substring of the destination service
	Source      string // substring of the source workload
	MinCode     int    // only codes >= MinCode (e.g. 400 for errors)
	Principal   string // substring of the caller's principal
	Destination string // substring of the destination workload
}

// Records returns the records matching q, newest first.
func (s *Sink) Records(q Query) []Record {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.next
	if s.full {
		n = len(s.ring)
	}
	out := make([]Record, 0, min(q.Limit, n))
	for i := 0; i < n && len(out) < q.Limit; i++ {
		r := s.ring[(s.next-1-i+len(s.ring))%len(s.ring)]
		if r.Code < q.MinCode ||
			!strings.Contains(r.Service, q.Service) || !strings.Contains(r.Source, q.Source) ||
			!strings.Contains(r.Principal, q.Principal) || !strings.Contains(r.Destination, q.Destination) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// Stats are the sink's counters.
type Stats struct {
	Received, Rejected uint64
	Stored             int
}

// Stats returns the counters.
func (s *Sink) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	stored := s.next
	if s.full {
		stored = len(s.ring)
	}
	return Stats{Received: s.received, Rejected: s.rejected, Stored: stored}
}

// ServeHTTP accepts POST batches and answers GET queries (?limit, service,
// source, destination, principal, minCode) with a JSON array.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBatchBytes))
		if err == nil {
			var recs []Record
			if recs, err = DecodeBatch(body); err == nil {
				s.Add(recs)
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		s.mu.Lock()
		s.rejected++
		s.mu.Unlock()
		http.Error(w, err.Error(), http.StatusBadRequest)
	case http.MethodGet:
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		minCode, _ := strconv.Atoi(q.Get("minCode"))
		recs := s.Records(Query{Limit: limit, Service: q.Get("service"), Source: q.Get("source"),
			Destination: q.Get("destination"), Principal: q.Get("principal"), MinCode: minCode})
		w.Header().Set("content-type", "application/json")
		json.NewEncoder(w).Encode(recs) //nolint:errcheck // the client went away
	default:
		w.Header().Set("allow", "GET, POST")
		http.Error(w, "report: use GET to query or POST to report", http.StatusMethodNotAllowed)
	}
}

var _ http.Handler = (*Sink)(nil)
