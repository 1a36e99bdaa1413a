package dirstore

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/control/config"
)

// Store serves the configs of a directory: it keeps the last good
// snapshot, reloads on change (Run), accepts writes (Apply, Delete) and
// publishes every new snapshot to subscribers.
type Store struct {
	dir      string
	log      *slog.Logger
	debounce time.Duration

	writeMu sync.Mutex // serializes Apply, Delete and reloads

	mu      sync.Mutex
	current *config.Snapshot
	status  config.Status
	subs    map[chan *config.Snapshot]struct{}
}

// Options tune a Store.
type Options struct {
	// Debounce is how long the directory must be quiet before a reload;
	// 100ms when zero.
	Debounce time.Duration
}

// Open loads dir and returns a store serving it. An invalid directory is
// not an error here: the store starts with an empty snapshot and the
// problems in Status().Err (and in the log), so that fixing the files
// brings it up. Only an unreadable or missing directory is an error.
func Open(dir string, log *slog.Logger, opts Options) (*Store, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("config: %s is not a directory", dir)
	}
	if opts.Debounce <= 0 {
		opts.Debounce = 100 * time.Millisecond
	}
	empty, _ := config.NewSnapshot(nil, nil)
	s := &Store{dir: dir, log: log, debounce: opts.Debounce, current: empty, subs: map[chan *config.Snapshot]struct{}{}}
	s.status = config.Status{Version: empty.Version(), LoadedAt: time.Now()}
	if err := s.Reload(); err != nil && !errors.Is(err, config.ErrInvalid) {
		return nil, err
	}
	return s, nil
}

// Dir is the directory served.
func (s *Store) Dir() string { return s.dir }

// Current returns the snapshot in use.
func (s *Store) Current() *config.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// Status returns the state of the store.
func (s *Store) Status() config.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Subscribe returns a channel receiving every new snapshot (only the latest
// one is kept when the reader is slow) and a function that ends the
// subscription.
func (s *Store) Subscribe() (<-chan *config.Snapshot, func()) {
	ch := make(chan *config.Snapshot, 1)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}
}

// Reload reads the directory now. On success a snapshot with a new version
// replaces the current one and is published; on failure the current
// snapshot stays and the problems are logged, kept in Status and returned.
func (s *Store) Reload() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.reload()
}

func (s *Store) reload() error {
	snap, err := config.LoadDir(s.dir)
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.status.Err, s.status.ErrAt = err, now
		s.log.Error("config: invalid configuration, keeping the previous one", "dir", s.dir, "version", s.current.Version(), "errors", err.Error())
		return err
	}
	s.status.Err = nil
	if snap.Version() == s.current.Version() {
		return nil
	}
	s.current = snap
	s.status.Version, s.status.Configs, s.status.LoadedAt = snap.Version(), snap.Len(), now
	s.log.Info("config: loaded", "dir", s.dir, "version", snap.Version(), "configs", snap.Len())
	for ch := range s.subs {
		select {
		case <-ch:
		default:
		}
		ch <- snap
	}
	return nil
}
