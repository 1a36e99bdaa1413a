package quota

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limit is a token bucket: Max tokens, refilled at PerSecond.
type Limit struct {
	Max       float64
	PerSecond float64
}

// Service grants tokens. Buckets idle for longer than a full refill are
// forgotten, so the map stays bounded by the keys active recently.
type Service struct {
	mu      sync.Mutex
	limit   Limit
	now     func() time.Time
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// New returns a service with one limit for every key.
func New(l Limit, now func() time.Time) (*Service, error) {
	if l.Max < 1 || l.PerSecond <= 0 {
		return nil, fmt.Errorf("quota: limit needs max >= 1 and perSecond > 0, got %+v", l)
	}
	if now == nil {
		now = time.Now
	}
	return &Service{limit: l, now: now, buckets: map[string]*bucket{}}, nil
}

// Take tries to take amount tokens for key; when refused it says how long
// until they would be there.
func (s *Service) Take(key string, amount float64) (bool, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.forgetIdle(now)
	b, ok := s.buckets[key]
	if !ok {
		b = &bucket{tokens: s.limit.Max, last: now}
		s.buckets[key] = b
	}
	b.tokens = min(s.limit.Max, b.tokens+now.Sub(b.last).Seconds()*s.limit.PerSecond)
	b.last = now
	if b.tokens >= amount {
		b.tokens -= amount
		return true, 0
	}
	return false, time.Duration((amount - b.tokens) / s.limit.PerSecond * float64(time.Second))
}

// forgetIdle drops buckets that would be full again anyway, at most once a second.
func (s *Service) forgetIdle(now time.Time) {
	if now.Sub(s.sweep) < time.Second {
		return
	}
	s.sweep = now
	full := time.Duration(s.limit.Max / s.limit.PerSecond * float64(time.Second))
	for k, b := range s.buckets {
		if now.Sub(b.last) > full {
			delete(s.buckets, k)
		}
	}
}

// request is the POST body.
type request struct {
	Key    string  `json:"key"`
	Amount float64 `json:"amount"`
}

// ErrBadRequest is returned by DecodeRequest for malformed bodies.
var ErrBadRequest = errors.New("quota: bad request")

// DecodeRequest parses a quota request body.
func DecodeRequest(b []byte) (key string, amount float64, err error) {
	var r request
	if err := json.Unmarshal(b, &r); err != nil {
		return "", 0, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if r.Amount == 0 {
		r.Amount = 1
	}
	if r.Amount < 0 || r.Amount > 1e6 {
		return "", 0, fmt.Errorf("%w: amount %v is out of range", ErrBadRequest, r.Amount)
	}
	return r.Key, r.Amount, nil
}

// ServeHTTP answers quota requests.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("allow", "POST")
		http.Error(w, "quota: POST {\"key\":...,\"amount\":1}", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	var key string
	var amount float64
	if err == nil {
		key, amount, err = DecodeRequest(body)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ok, wait := s.Take(key, amount)
	if !ok {
		w.Header().Set("retry-after", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		http.Error(w, "quota exhausted", http.StatusTooManyRequests)
		return
	}
	w.WriteHeader(http.StatusOK)
}

var _ http.Handler = (*Service)(nil)
