package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Status is the state of a DirStore, for meshd's status page and logs.
type Status struct {
	// Version of the snapshot in use.
	Version string
	// Configs is the number of configs in use.
	Configs int
	// LoadedAt is when the snapshot in use was loaded.
	LoadedAt time.Time
	// Err is the problem of the last load attempt, nil when it succeeded.
	// The snapshot in use is then the last good one.
	Err error
	// ErrAt is when Err happened.
	ErrAt time.Time
}

// DirStore serves the configs of a directory: it keeps the last good
// snapshot, reloads on change (Run), accepts writes (Apply, Delete) and
// publishes every new snapshot to subscribers.
type DirStore struct {
	dir      string
	log      *slog.Logger
	debounce time.Duration

	writeMu sync.Mutex // serializes Apply, Delete and reloads

	mu      sync.Mutex
	current *Snapshot
	status  Status
	subs    map[chan *Snapshot]struct{}
}

// StoreOptions tune a DirStore.
type StoreOptions struct {
	// Debounce is how long the directory must be quiet before a reload;
	// 100ms when zero.
	Debounce time.Duration
}

// OpenDir loads dir and returns a store serving it. An invalid directory is
// not an error here: the store starts with an empty snapshot and the
// problems in Status().Err (and in the log), so that fixing the files
// brings it up. Only an unreadable or missing directory is an error.
func OpenDir(dir string, log *slog.Logger, opts StoreOptions) (*DirStore, error) {
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
	empty, _ := NewSnapshot(nil, nil)
	s := &DirStore{dir: dir, log: log, debounce: opts.Debounce, current: empty, subs: map[chan *Snapshot]struct{}{}}
	s.status = Status{Version: empty.Version(), LoadedAt: time.Now()}
	if err := s.Reload(); err != nil && !errors.Is(err, ErrInvalid) {
		return nil, err
	}
	return s, nil
}

// Dir is the directory served.
func (s *DirStore) Dir() string { return s.dir }

// Current returns the snapshot in use.
func (s *DirStore) Current() *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// Status returns the state of the store.
func (s *DirStore) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Subscribe returns a channel receiving every new snapshot (only the latest
// one is kept when the reader is slow) and a function that ends the
// subscription.
func (s *DirStore) Subscribe() (<-chan *Snapshot, func()) {
	ch := make(chan *Snapshot, 1)
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
func (s *DirStore) Reload() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.reload()
}

func (s *DirStore) reload() error {
	snap, err := LoadDir(s.dir)
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
