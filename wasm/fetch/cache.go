package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// cachePath is where the module with digest sum is cached.
func (f *Fetcher) cachePath(sum string) string {
	return filepath.Join(f.cfg.CacheDir, sum+".wasm")
}

// cached returns the cached module with digest sum. A cached file that is too large or does not
// match its digest is removed and reported as absent.
func (f *Fetcher) cached(sum string) ([]byte, bool) {
	if f.cfg.CacheDir == "" {
		return nil, false
	}
	p := f.cachePath(sum)
	file, err := os.Open(p)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			f.log.Warn("fetch: reading cache", "path", p, "err", err)
		}
		return nil, false
	}
	b, err := readLimited(file, f.cfg.MaxBytes, p)
	file.Close()
	if err == nil {
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) == sum {
			return b, true
		}
		err = errors.New("digest mismatch")
	}
	f.log.Warn("fetch: dropping corrupt cache entry", "path", p, "err", err)
	_ = os.Remove(p)
	return nil, false
}

// store writes a module to the cache atomically (temporary file, then rename).
func (f *Fetcher) store(sum string, b []byte) error {
	if f.cfg.CacheDir == "" {
		return nil
	}
	tmp, err := os.CreateTemp(f.cfg.CacheDir, ".incoming-*")
	if err != nil {
		return fmt.Errorf("fetch: cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("fetch: cache: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("fetch: cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("fetch: cache: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("fetch: cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.cachePath(sum)); err != nil {
		return fmt.Errorf("fetch: cache: %w", err)
	}
	return nil
}
