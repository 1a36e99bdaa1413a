package ca

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// retiredFile keeps the roots retired by a rotation, each PEM block with a
// Trusted-Until header.
const (
	retiredFile   = "retired-roots.pem"
	trustedUntilH = "Trusted-Until"
)

// Bundle returns the trusted roots: the current root(s), the signing root
// first, then a staged root, then the roots retired less than their overlap
// period ago.
func (c *CA) Bundle() []*x509.Certificate {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.bundleLocked(time.Now())
}

// BundlePEM is Bundle as concatenated PEM, the form of an SDS ROOTCA secret.
func (c *CA) BundlePEM() []byte { return certsPEM(c.Bundle()) }

func (c *CA) bundleLocked(now time.Time) []*x509.Certificate {
	out := append([]*x509.Certificate(nil), c.signer.roots...)
	if c.staged != nil {
		out = append(out, c.staged.cert)
	}
	for _, r := range c.retired {
		if now.Before(r.until) {
			out = append(out, r.cert)
		}
	}
	return out
}

// StageRoot generates the next self-signed root and trusts it without
// signing with it. It does nothing when a root is already staged.
func (c *CA) StageRoot() error {
	if c.plugin {
		return fmt.Errorf("%w: root rotation", ErrPluginCA)
	}
	c.mu.Lock()
	if c.staged != nil {
		c.mu.Unlock()
		return nil
	}
	s, err := newRoot(c.cfg.TrustDomain, c.cfg.RootTTL)
	if err == nil {
		err = saveRoot(c.cfg.Dir, stagedRootCertFile, stagedRootKeyFile, s)
	}
	if err != nil {
		c.mu.Unlock()
		return err
	}
	c.staged = s
	c.mu.Unlock()
	c.log.Info("ca: staged next root", "serial", SerialString(s.cert.SerialNumber))
	c.notify.broadcast()
	return nil
}

// ActivateRoot makes the staged root the signing root. The old root stays
// in the bundle for overlap; 0 means the maximum leaf lifetime, so every
// certificate it signed expires before it stops being trusted.
func (c *CA) ActivateRoot(overlap time.Duration) error {
	if c.plugin {
		return fmt.Errorf("%w: root rotation", ErrPluginCA)
	}
	if overlap <= 0 {
		overlap = c.cfg.MaxTTL
	}
	c.mu.Lock()
	s := c.staged
	if s == nil {
		c.mu.Unlock()
		return ErrNoStagedRoot
	}
	now := time.Now()
	retired := []retiredRoot{{cert: c.signer.cert, until: now.Add(overlap)}}
	for _, r := range c.retired {
		if now.Before(r.until) {
			retired = append(retired, r)
		}
	}
	// Persist the retired roots first and drop the staged files last: a crash
	// in between leaves a root trusted twice, never a leaf without its root.
	err := saveRetired(c.cfg.Dir, retired)
	if err == nil {
		err = saveRoot(c.cfg.Dir, rootCertFile, rootKeyFile, s)
	}
	if err == nil {
		err = removeStaged(c.cfg.Dir)
	}
	if err != nil {
		c.mu.Unlock()
		return err
	}
	old := c.signer.cert
	c.signer, c.staged, c.retired = s, nil, retired
	c.gen++
	c.mu.Unlock()
	c.log.Info("ca: activated root", "old_serial", SerialString(old.SerialNumber), "new_serial", SerialString(s.cert.SerialNumber), "old_trusted_until", now.Add(overlap))
	c.notify.broadcast()
	return nil
}

// loadStaged reads the staged root, dropping it when a crash left it equal
// to the current root.
func loadStaged(dir string, current *signer) (*signer, error) {
	s, err := loadRoot(dir, stagedRootCertFile, stagedRootKeyFile)
	if err != nil || s == nil {
		return nil, err
	}
	if s.cert.Equal(current.cert) {
		return nil, removeStaged(dir)
	}
	return s, nil
}

func removeStaged(dir string) error {
	for _, name := range []string{stagedRootCertFile, stagedRootKeyFile} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("ca: %w", err)
		}
	}
	return nil
}

func saveRetired(dir string, retired []retiredRoot) error {
	var b []byte
	for _, r := range retired {
		b = append(b, pem.EncodeToMemory(&pem.Block{
			Type:    "CERTIFICATE",
			Headers: map[string]string{trustedUntilH: r.until.UTC().Format(time.RFC3339Nano)},
			Bytes:   r.cert.Raw,
		})...)
	}
	if err := writeFileAtomic(filepath.Join(dir, retiredFile), b, 0o644); err != nil {
		return fmt.Errorf("ca: writing retired roots: %w", err)
	}
	return nil
}

func loadRetired(dir string) ([]retiredRoot, error) {
	path := filepath.Join(dir, retiredFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ca: %w", err)
	}
	var out []retiredRoot
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return out, nil
		}
		until, err := time.Parse(time.RFC3339Nano, block.Headers[trustedUntilH])
		if err != nil {
			return nil, fmt.Errorf("ca: %s: %s header: %w", path, trustedUntilH, err)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("ca: %s: %w", path, err)
		}
		out = append(out, retiredRoot{cert: cert, until: until})
	}
}
