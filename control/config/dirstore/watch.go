package dirstore

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Run watches the directory (and its subdirectories) and reloads it after
// changes, once the directory has been quiet for the debounce interval. It
// returns when ctx is done.
func (s *Store) Run(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("config: watching %s: %w", s.dir, err)
	}
	defer w.Close()
	if err := s.watchTree(w, s.dir); err != nil {
		return err
	}
	// Changes made between Open and now are picked up here.
	_ = s.Reload()

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !s.relevant(ev) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					if err := s.watchTree(w, ev.Name); err != nil {
						s.log.Warn("config: cannot watch new directory", "dir", ev.Name, "err", err)
					}
				}
			}
			timer.Reset(s.debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			s.log.Warn("config: watch error", "dir", s.dir, "err", err)
			timer.Reset(s.debounce)
		case <-timer.C:
			_ = s.Reload()
		}
	}
}

// relevant ignores the store's own temporary files. Other hidden names
// count: a Kubernetes ConfigMap volume updates its files by swapping the
// hidden "..data" symlink.
func (s *Store) relevant(ev fsnotify.Event) bool {
	return !strings.HasPrefix(filepath.Base(ev.Name), tempPrefix)
}

func (s *Store) watchTree(w *fsnotify.Watcher, root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if err := w.Add(p); err != nil {
			return fmt.Errorf("config: watching %s: %w", p, err)
		}
		return nil
	})
}
