package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// DefaultMaxBytes is the module size limit when Config.MaxBytes is zero.
const DefaultMaxBytes = 64 << 20

// Config configures a Fetcher.
type Config struct {
	CacheDir string // modules are cached here as <sha256>.wasm; "" disables the disk cache
	MaxBytes int64  // largest module accepted; 0 = DefaultMaxBytes
	Logger   *slog.Logger
	// HTTPClient is used for http(s) URIs; nil = a client built here. Its Transport must be nil
	// or an *http.Transport: it is cloned and given the address-checking dialer (environment
	// proxies are not used, since the checked address would then be the proxy's).
	HTTPClient *http.Client
	// AllowPrivate permits loopback and private (RFC 1918, ULA, CGNAT) destinations, for tests
	// and in-mesh module stores. Link-local and cloud-metadata addresses stay refused.
	AllowPrivate bool
}

// Fetcher fetches, verifies and caches Wasm modules. It is safe for concurrent use.
type Fetcher struct {
	cfg    Config
	log    *slog.Logger
	client *http.Client
	flight flight
}

// New validates cfg, creates the cache directory and returns a Fetcher.
func New(cfg Config) (*Fetcher, error) {
	if cfg.MaxBytes < 0 {
		return nil, fmt.Errorf("%w: negative max bytes", ErrInvalidConfig)
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	client, err := guardedClient(cfg.HTTPClient, cfg.AllowPrivate)
	if err != nil {
		return nil, err
	}
	if cfg.CacheDir != "" {
		if err := os.MkdirAll(cfg.CacheDir, 0o755); err != nil {
			return nil, fmt.Errorf("%w: cache dir: %w", ErrInvalidConfig, err)
		}
	}
	return &Fetcher{cfg: cfg, log: cfg.Logger, client: client}, nil
}

// Get returns the module at uri, verified against sha256hex (hex, any case). With an empty
// sha256hex the module is not verified; use GetDigest to learn its digest.
func (f *Fetcher) Get(ctx context.Context, uri, sha256hex string) ([]byte, error) {
	b, _, err := f.GetDigest(ctx, uri, sha256hex)
	return b, err
}

// GetDigest is Get that also returns the module's sha256 (lowercase hex): the expected one
// when given, else the computed one. Modules are served from the disk cache when present.
func (f *Fetcher) GetDigest(ctx context.Context, uri, sha256hex string) ([]byte, string, error) {
	want := strings.ToLower(sha256hex)
	if want != "" {
		if b, err := hex.DecodeString(want); err != nil || len(b) != sha256.Size {
			return nil, "", fmt.Errorf("%w: %q is not 64 hex digits", ErrInvalidDigest, sha256hex)
		}
	}
	u, err := ParseURI(uri)
	if err != nil {
		return nil, "", err
	}
	if want != "" {
		if b, ok := f.cached(want); ok {
			return b, want, nil
		}
	}
	key := "uri:" + uri
	if want != "" {
		key = "sha256:" + want
	}
	return f.flight.do(ctx, key, func(ctx context.Context) ([]byte, string, error) {
		if want != "" {
			if b, ok := f.cached(want); ok { // stored by a flight that just ended
				return b, want, nil
			}
		}
		return f.download(ctx, u, want)
	})
}

// download fetches u, verifies it and stores it in the cache.
func (f *Fetcher) download(ctx context.Context, u *url.URL, want string) ([]byte, string, error) {
	uri := u.Redacted()
	var b []byte
	var err error
	if u.Scheme == "file" {
		b, err = f.readFile(u.Path, uri)
	} else {
		b, err = f.httpGet(ctx, u, uri)
	}
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(b)
	got := hex.EncodeToString(sum[:])
	if want != "" && got != want {
		return nil, "", &DigestMismatchError{URI: uri, Want: want, Got: got}
	}
	if err := f.store(got, b); err != nil {
		f.log.Warn("fetch: caching module failed", "uri", uri, "sha256", got, "err", err)
	}
	f.log.Info("fetch: module fetched", "uri", uri, "sha256", got, "bytes", len(b))
	return b, got, nil
}

func (f *Fetcher) readFile(path, uri string) ([]byte, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fetch: %s: %w", uri, err)
	}
	defer file.Close()
	return readLimited(file, f.cfg.MaxBytes, uri)
}

// readLimited reads r fully, refusing more than limit bytes.
func readLimited(r io.Reader, limit int64, uri string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("fetch: %s: %w", uri, err)
	}
	if int64(len(b)) > limit {
		return nil, &TooLargeError{URI: uri, Limit: limit}
	}
	return b, nil
}
