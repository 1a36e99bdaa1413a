package ca

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

const revokedFile = "revoked.json"

// Revocations is the revocation list proxies enforce: a peer is refused when
// its leaf's serial or its SPIFFE ID is listed. Both lists are sorted.
type Revocations struct {
	// Serials are lowercase hex without separators (SerialString).
	Serials []string `json:"serials"`
	// IDs are SPIFFE IDs.
	IDs []string `json:"ids"`
}

type revocations struct {
	serials map[string]struct{}
	ids     map[string]struct{}
}

// Revoke adds a certificate serial (hex, colons allowed) or a SPIFFE ID
// (spiffe://...) to the revocation list, persists it and notifies
// subscribers. A revoked SPIFFE ID also gets no new certificate.
func (c *CA) Revoke(entry string) error {
	c.mu.Lock()
	next := revocations{serials: maps.Clone(c.revoked.serials), ids: maps.Clone(c.revoked.ids)}
	if strings.HasPrefix(entry, "spiffe://") {
		id, err := normalizeID(entry)
		if err != nil {
			c.mu.Unlock()
			return err
		}
		next.ids = addTo(next.ids, id)
	} else {
		s, err := normalizeSerial(entry)
		if err != nil {
			c.mu.Unlock()
			return err
		}
		next.serials = addTo(next.serials, s)
	}
	if err := saveRevocations(c.cfg.Dir, next.list()); err != nil {
		c.mu.Unlock()
		return err
	}
	c.revoked = next
	c.mu.Unlock()
	c.log.Info("ca: revoked", "entry", entry)
	c.notify.broadcast()
	return nil
}

// Revocations returns the current revocation list.
func (c *CA) Revocations() Revocations {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.revoked.list()
}

// IsRevoked reports whether the SPIFFE ID or the serial (either may be empty/nil) is revoked.
func (c *CA) IsRevoked(spiffeID string, serial *big.Int) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if _, ok := c.revoked.ids[spiffeID]; ok && spiffeID != "" {
		return true
	}
	if serial != nil {
		_, ok := c.revoked.serials[SerialString(serial)]
		return ok
	}
	return false
}

func addTo(m map[string]struct{}, k string) map[string]struct{} {
	if m == nil {
		m = map[string]struct{}{}
	}
	m[k] = struct{}{}
	return m
}

func (r revocations) list() Revocations {
	return Revocations{
		Serials: slices.Sorted(maps.Keys(r.serials)),
		IDs:     slices.Sorted(maps.Keys(r.ids)),
	}
}

func normalizeSerial(s string) (string, error) {
	n, ok := new(big.Int).SetString(strings.ToLower(strings.ReplaceAll(s, ":", "")), 16)
	if !ok || n.Sign() <= 0 {
		return "", fmt.Errorf("ca: revoke: %q is neither a spiffe:// ID nor a hex serial", s)
	}
	return SerialString(n), nil
}

func normalizeID(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "spiffe" || u.Host == "" || u.Port() != "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("ca: revoke: %q is not a SPIFFE ID", s)
	}
	return u.String(), nil
}

func saveRevocations(dir string, r Revocations) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("ca: revocations: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, revokedFile), b, 0o644); err != nil {
		return fmt.Errorf("ca: writing revocations: %w", err)
	}
	return nil
}

func loadRevocations(dir string) (revocations, error) {
	path := filepath.Join(dir, revokedFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return revocations{}, nil
	}
	if err != nil {
		return revocations{}, fmt.Errorf("ca: %w", err)
	}
	var list Revocations
	if err := json.Unmarshal(b, &list); err != nil {
		return revocations{}, fmt.Errorf("ca: %s: %w", path, err)
	}
	var r revocations
	for _, s := range list.Serials {
		n, err := normalizeSerial(s)
		if err != nil {
			return revocations{}, fmt.Errorf("ca: %s: %w", path, err)
		}
		r.serials = addTo(r.serials, n)
	}
	for _, id := range list.IDs {
		n, err := normalizeID(id)
		if err != nil {
			return revocations{}, fmt.Errorf("ca: %s: %w", path, err)
		}
		r.ids = addTo(r.ids, n)
	}
	return r, nil
}
