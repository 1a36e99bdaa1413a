package modules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultMaxSize bounds a module's size (64 MiB).
const DefaultMaxSize = 64 << 20

// Errors callers branch on.
var (
	ErrNotFound  = errors.New("modules: not found")
	ErrNotWasm   = errors.New("modules: not a Wasm module")
	ErrTooLarge  = errors.New("modules: module too large")
	ErrBadDigest = errors.New("modules: bad sha256")
	ErrMismatch  = errors.New("modules: sha256 mismatch")
)

// wasmMagic is the Wasm binary header: "\0asm" and version 1.
var wasmMagic = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// Store keeps modules in a directory, one file per sha256.
type Store struct {
	dir     string
	maxSize int64
}

// Open opens (creating) a store in dir; maxSize 0 means DefaultMaxSize.
func Open(dir string, maxSize int64) (*Store, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("modules: %w", err)
	}
	return &Store{dir: dir, maxSize: maxSize}, nil
}

// ParseDigest checks a sha256 written as 64 hex digits and returns it in
// lower case.
func ParseDigest(s string) (string, error) {
	s = strings.ToLower(strings.TrimPrefix(s, "sha256:"))
	if len(s) != 64 {
		return "", fmt.Errorf("%w: want 64 hex digits, got %d characters", ErrBadDigest, len(s))
	}
	if _, err := hex.DecodeString(s); err != nil {
		return "", fmt.Errorf("%w: %q is not hex", ErrBadDigest, s)
	}
	return s, nil
}

func (s *Store) path(sum string) string { return filepath.Join(s.dir, sum+".wasm") }

// Put stores a module read from r and returns its sha256. want, when not
// empty, is the digest the caller expects.
func (s *Store) Put(r io.Reader, want string) (string, error) {
	if want != "" {
		var err error
		if want, err = ParseDigest(want); err != nil {
			return "", err
		}
	}
	tmp, err := os.CreateTemp(s.dir, ".upload-*")
	if err != nil {
		return "", fmt.Errorf("modules: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	head := make([]byte, len(wasmMagic))
	n, err := io.ReadFull(r, head)
	if err != nil || !bytes.Equal(head[:n], wasmMagic) {
		return "", fmt.Errorf("%w: missing the \\0asm version 1 header", ErrNotWasm)
	}
	h.Write(head)
	if _, err := tmp.Write(head); err != nil {
		return "", fmt.Errorf("modules: %w", err)
	}
	copied, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, s.maxSize-int64(len(head))+1))
	if err != nil {
		return "", fmt.Errorf("modules: read upload: %w", err)
	}
	if copied+int64(len(head)) > s.maxSize {
		return "", fmt.Errorf("%w: larger than %d bytes", ErrTooLarge, s.maxSize)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want != "" && want != sum {
		return "", fmt.Errorf("%w: got %s, want %s", ErrMismatch, sum, want)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("modules: %w", err)
	}
	// Modules are public content (proxies under their own uid read them
	// with --local-modules); CreateTemp made the file 0600.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("modules: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path(sum)); err != nil {
		return "", fmt.Errorf("modules: %w", err)
	}
	return sum, nil
}

// PutFile stores the module in a local file and returns its sha256.
func (s *Store) PutFile(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", fmt.Errorf("modules: %w", err)
	}
	defer f.Close()
	return s.Put(f, "")
}

// Get opens a stored module.
func (s *Store) Get(sum string) (*os.File, error) {
	sum, err := ParseDigest(sum)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(s.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, sum)
	}
	if err != nil {
		return nil, fmt.Errorf("modules: %w", err)
	}
	return f, nil
}

// Has reports whether a module is stored.
func (s *Store) Has(sum string) bool {
	_, err := os.Stat(s.path(sum))
	return err == nil
}

// List returns the stored digests, sorted.
func (s *Store) List() ([]string, error) {
	m, err := filepath.Glob(filepath.Join(s.dir, "*.wasm"))
	if err != nil {
		return nil, fmt.Errorf("modules: %w", err)
	}
	out := make([]string, 0, len(m))
	for _, p := range m {
		if d, err := ParseDigest(strings.TrimSuffix(filepath.Base(p), ".wasm")); err == nil {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out, nil
}
