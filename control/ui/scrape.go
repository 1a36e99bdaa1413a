package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// maxScrapeBytes bounds one proxy's metrics page.
const maxScrapeBytes = 16 << 20

// maxConcurrentScrapes bounds the proxies scraped at once.
const maxConcurrentScrapes = 16

// staleAfter is how old the newest scrape may be before rates over it are
// no longer "live" and the scraper starts a fresh pair.
const staleAfter = 30 * time.Second

// scraper keeps the last two snapshots of the proxies' metrics.
type scraper struct {
	urls   func() []string
	client *http.Client
	gap    time.Duration
	log    *slog.Logger

	mu        sync.Mutex
	prev, cur *Snapshot
}

// pair returns two snapshots at least gap apart, scraping when the newest is
// older than gap. The first call (or one after a long idle time) scrapes
// twice, gap apart, so rates are live from the first view.
func (s *scraper) pair(ctx context.Context) (prev, cur *Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil && time.Since(s.cur.At) < s.gap {
		return s.prev, s.cur
	}
	if s.cur == nil || time.Since(s.cur.At) > staleAfter {
		s.prev, s.cur = nil, s.scrape(ctx)
		t := time.NewTimer(s.gap)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, s.cur
		case <-t.C:
		}
	}
	s.prev, s.cur = s.cur, s.scrape(ctx)
	return s.prev, s.cur
}

// scrape fetches every metrics URL concurrently; a proxy that fails is
// logged and left out of this snapshot.
func (s *scraper) scrape(ctx context.Context) *Snapshot {
	var urls []string
	if s.urls != nil {
		urls = s.urls()
	}
	results := make([][]Sample, len(urls))
	slots := make(chan struct{}, maxConcurrentScrapes)
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			samples, err := s.fetch(ctx, u)
			if err != nil {
				s.log.Warn("ui: scraping proxy metrics", "url", u, "err", err)
				return
			}
			results[i] = samples
		})
	}
	wg.Wait()
	snap := &Snapshot{At: time.Now()}
	for _, r := range results {
		snap.Samples = append(snap.Samples, r...)
	}
	return snap
}

// ErrScrape is returned when a metrics URL does not answer 200.
var ErrScrape = errors.New("ui: scrape failed")

func (s *scraper) fetch(ctx context.Context, url string) ([]Sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("ui: scrape %s: %w", url, err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ui: scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %s", ErrScrape, url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxScrapeBytes+1))
	if err != nil {
		return nil, fmt.Errorf("ui: scrape %s: %w", url, err)
	}
	if len(body) > maxScrapeBytes {
		return nil, fmt.Errorf("%w: %s sent more than %d bytes", ErrScrape, url, maxScrapeBytes)
	}
	return ParseText(string(body))
}
