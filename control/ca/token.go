package ca

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"sync"
)

// tokenPrefix marks wasmesh bootstrap tokens so they are recognisable in logs and scanners.
const tokenPrefix = "wmt_"

// TokenStore issues per-workload bootstrap tokens and authenticates callers
// presenting them. Only SHA-256 hashes of the tokens are kept, in memory and
// in the store's file (mode 0600).
type TokenStore struct {
	path string

	mu     sync.RWMutex
	byHash map[string]Identity
}

var _ Authenticator = (*TokenStore)(nil)

type tokenEntry struct {
	SHA256         string `json:"sha256"`
	Namespace      string `json:"namespace"`
	ServiceAccount string `json:"serviceAccount"`
}

// OpenTokenStore loads the token hashes in path, creating none until the
// first Mint. An empty path keeps the store in memory only.
func OpenTokenStore(path string) (*TokenStore, error) {
	s := &TokenStore{path: path, byHash: map[string]Identity{}}
	if path == "" {
		return s, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ca: tokens: %w", err)
	}
	var entries []tokenEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, fmt.Errorf("ca: tokens %s: %w", path, err)
	}
	for _, e := range entries {
		id := Identity{Namespace: e.Namespace, ServiceAccount: e.ServiceAccount}
		if err := id.Validate(); err != nil {
			return nil, fmt.Errorf("ca: tokens %s: %w", path, err)
		}
		s.byHash[e.SHA256] = id
	}
	return s, nil
}

// Mint returns a new bootstrap token for id. The token itself is not stored:
// hand it to the workload now.
func (s *TokenStore) Mint(id Identity) (string, error) {
	if err := id.Validate(); err != nil {
		return "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("ca: token: %w", err)
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	next := maps.Clone(s.byHash)
	next[hashToken(token)] = id
	if err := s.save(next); err != nil {
		return "", err
	}
	s.byHash = next
	return token, nil
}

// Authenticate maps the caller's bearer token to the identity it was minted for.
func (s *TokenStore) Authenticate(ctx context.Context) (Identity, error) {
	token, err := BearerToken(ctx)
	if err != nil {
		return Identity{}, err
	}
	s.mu.RLock()
	id, ok := s.byHash[hashToken(token)]
	s.mu.RUnlock()
	if !ok {
		return Identity{}, fmt.Errorf("%w: unknown token", ErrUnauthenticated)
	}
	return id, nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *TokenStore) save(byHash map[string]Identity) error {
	if s.path == "" {
		return nil
	}
	entries := make([]tokenEntry, 0, len(byHash))
	for _, h := range slices.Sorted(maps.Keys(byHash)) {
		id := byHash[h]
		entries = append(entries, tokenEntry{SHA256: h, Namespace: id.Namespace, ServiceAccount: id.ServiceAccount})
	}
	b, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return fmt.Errorf("ca: tokens: %w", err)
	}
	if err := writeFileAtomic(s.path, b, 0o600); err != nil {
		return fmt.Errorf("ca: writing tokens: %w", err)
	}
	return nil
}
