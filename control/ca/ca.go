package ca

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Defaults, after Istio's.
const (
	DefaultTrustDomain = "cluster.local"
	DefaultTTL         = 24 * time.Hour
	DefaultMaxTTL      = 90 * 24 * time.Hour
	DefaultRootTTL     = 10 * 365 * 24 * time.Hour
	// backdate is how far before "now" certificates start, to absorb clock skew.
	backdate = time.Minute
)

// Config configures a CA. Zero values take the defaults above.
type Config struct {
	// TrustDomain is the SPIFFE trust domain of every identity.
	TrustDomain string
	// Dir holds the CA's state: the self-signed root and its key (0600) when
	// PluginDir is empty, the retired roots of a rotation and the revocation
	// list. Required.
	Dir string
	// PluginDir, when set, holds a plug-in CA as Istio's cacerts:
	// ca-cert.pem, ca-key.pem, root-cert.pem and cert-chain.pem.
	PluginDir string
	// DefaultTTL is the lifetime of a leaf when the caller asks for none.
	DefaultTTL time.Duration
	// MaxTTL caps the lifetime a caller may ask for.
	MaxTTL time.Duration
	// RootTTL is the lifetime of a generated self-signed root.
	RootTTL time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.TrustDomain == "" {
		c.TrustDomain = DefaultTrustDomain
	}
	if c.DefaultTTL == 0 {
		c.DefaultTTL = DefaultTTL
	}
	if c.MaxTTL == 0 {
		c.MaxTTL = DefaultMaxTTL
	}
	if c.RootTTL == 0 {
		c.RootTTL = DefaultRootTTL
	}
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New("ca: config: dir is required"))
	}
	if !nameRE.MatchString(c.TrustDomain) {
		errs = append(errs, fmt.Errorf("ca: config: invalid trust domain %q", c.TrustDomain))
	}
	if c.DefaultTTL < 0 || c.MaxTTL < 0 || c.RootTTL < 0 {
		errs = append(errs, errors.New("ca: config: durations must not be negative"))
	}
	if c.DefaultTTL > c.MaxTTL {
		errs = append(errs, fmt.Errorf("ca: config: default ttl %s exceeds max ttl %s", c.DefaultTTL, c.MaxTTL))
	}
	return c, errors.Join(errs...)
}

// signer is the key that signs leaves and the chain from it to its root.
type signer struct {
	cert *x509.Certificate
	key  crypto.Signer
	// intermediates are the certificates between the leaf and the root,
	// starting with cert itself unless cert is the root.
	intermediates []*x509.Certificate
	// roots are the roots this signer chains to (root-cert.pem may hold several).
	roots []*x509.Certificate
}

// retiredRoot is a root still trusted until the end of a rotation's overlap.
type retiredRoot struct {
	cert  *x509.Certificate
	until time.Time
}

// CA signs workload certificates. It is safe for concurrent use.
type CA struct {
	cfg    Config
	log    *slog.Logger
	plugin bool
	notify notifier

	mu      sync.RWMutex
	signer  *signer
	staged  *signer // the next root, trusted but not signing yet
	gen     uint64  // bumped when the signer changes
	retired []retiredRoot
	revoked revocations
}

// New loads or creates the CA's state described by cfg.
func New(cfg Config, log *slog.Logger) (*CA, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("ca: %w", err)
	}
	c := &CA{cfg: cfg, log: log, plugin: cfg.PluginDir != ""}
	if c.plugin {
		c.signer, err = loadPlugin(cfg.PluginDir)
	} else {
		c.signer, err = loadOrCreateRoot(cfg.Dir, cfg.TrustDomain, cfg.RootTTL, log)
	}
	if err != nil {
		return nil, err
	}
	if !c.plugin {
		if c.staged, err = loadStaged(cfg.Dir, c.signer); err != nil {
			return nil, err
		}
	}
	if c.retired, err = loadRetired(cfg.Dir); err != nil {
		return nil, err
	}
	if c.revoked, err = loadRevocations(cfg.Dir); err != nil {
		return nil, err
	}
	return c, nil
}

// ttl resolves a requested lifetime: 0 or less means the default; more than
// the maximum is capped.
func (c *CA) ttl(requested time.Duration) time.Duration {
	switch {
	case requested <= 0:
		return c.cfg.DefaultTTL
	case requested > c.cfg.MaxTTL:
		return c.cfg.MaxTTL
	}
	return requested
}
