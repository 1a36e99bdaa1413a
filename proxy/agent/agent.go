package agent

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/internal/pki"
	"github.com/wasmesh/wasmesh/proxy/agent/spiffe"
)

// Agent obtains and rotates the workload's certificate. Its accessors are
// safe for concurrent use while Run works.
type Agent struct {
	cfg *validated
	log *slog.Logger
	// rootChanged wakes Run to re-issue at once (one slot: bursts coalesce).
	rootChanged chan struct{}

	mu      sync.RWMutex
	mat     *Material
	pushed  []*x509.Certificate // the last bundle from SetTrustBundle
	bundle  []*x509.Certificate // pushed ∪ mat.Roots: what peers are verified against
	revoked *spiffe.Revocations
	subs    map[chan struct{}]struct{}

	ready     chan struct{} // closed at the first issuance
	readyOnce sync.Once
}

// New checks cfg and returns an agent that has no certificate until Run.
func New(cfg Config) (*Agent, error) {
	v, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	return &Agent{
		cfg:         v,
		log:         v.Logger,
		rootChanged: make(chan struct{}, 1),
		subs:        map[chan struct{}]struct{}{},
		ready:       make(chan struct{}),
	}, nil
}

// Run obtains the certificate and keeps it fresh until ctx ends: it renews
// at half the lifetime or when the signing root changes, and after a failure
// retries with jittered exponential backoff while the current certificate,
// if still valid, stays in use. It returns nil when ctx ends. Call it once.
func (a *Agent) Run(ctx context.Context) error {
	backoff := a.cfg.MinBackoff
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-a.rootChanged:
			timer.Stop()
		}
		var wait time.Duration
		if err := a.refresh(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			wait = jitter(backoff)
			backoff = min(2*backoff, a.cfg.MaxBackoff)
			a.log.Warn("agent: certificate request failed; retrying", "in", wait, "err", err, "current_valid_until", a.validUntil())
		} else {
			backoff = a.cfg.MinBackoff
			wait = time.Until(a.Current().RefreshAt)
		}
		timer.Reset(wait)
	}
}

// refresh issues a new certificate and publishes it.
func (a *Agent) refresh(ctx context.Context) error {
	a.mu.RLock()
	trusted := append(append([]*x509.Certificate(nil), a.cfg.caRoots...), a.bundle...)
	a.mu.RUnlock()
	m, err := a.issue(ctx, trusted)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.mat = m
	a.bundle = union(a.pushed, m.Roots)
	a.mu.Unlock()
	a.readyOnce.Do(func() { close(a.ready) })
	a.log.Info("agent: certificate issued", "id", m.ID.String(), "serial", m.Leaf().SerialNumber.Text(16), "not_after", m.Leaf().NotAfter, "refresh_at", m.RefreshAt)
	a.broadcast()
	return nil
}

// validUntil is the current certificate's expiry, or the zero time.
func (a *Agent) validUntil() time.Time {
	if m := a.Current(); m != nil {
		return m.Leaf().NotAfter
	}
	return time.Time{}
}

// jitter spreads d over [d/2, d) so proxies that lost the CA together do not
// come back together.
func jitter(d time.Duration) time.Duration {
	if d < 2 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// Current returns the current material, or nil before the first issuance.
func (a *Agent) Current() *Material {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.mat
}

// WaitReady blocks until the first certificate is issued or ctx ends.
func (a *Agent) WaitReady(ctx context.Context) (*Material, error) {
	select {
	case <-a.ready:
		return a.Current(), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("agent: waiting for the first certificate: %w", ctx.Err())
	}
}

// TrustBundle returns the roots peers are verified against: those of the
// last SetTrustBundle and of the last CA response. Taking both means a
// response that raced with a push cannot drop a root the push added; a root
// the CA stops trusting leaves with the next push and the next issuance.
func (a *Agent) TrustBundle() []*x509.Certificate {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.bundle
}

// SetTrustBundle installs a bundle pushed by meshd (PEM roots, the signing
// root first). When its signing root is not the one that signed the current
// certificate, the agent re-issues at once.
func (a *Agent) SetTrustBundle(rootsPEM []byte) error {
	roots, err := pki.ParseCertificates(rootsPEM)
	if err != nil {
		return fmt.Errorf("agent: trust bundle: %w", err)
	}
	a.mu.Lock()
	a.pushed = roots
	var issued []*x509.Certificate
	if a.mat != nil {
		issued = a.mat.Roots
	}
	a.bundle = union(roots, issued)
	rotate := a.mat != nil && !bytes.Equal(a.mat.Roots[0].Raw, roots[0].Raw)
	a.mu.Unlock()
	a.broadcast()
	if rotate {
		a.log.Info("agent: signing root changed; re-issuing")
		select {
		case a.rootChanged <- struct{}{}:
		default:
		}
	}
	return nil
}

// SetRevocations installs the revocation list pushed by meshd: leaf serials
// (hex) and SPIFFE IDs. New handshakes refuse those peers at once.
func (a *Agent) SetRevocations(serials, ids []string) error {
	r, err := spiffe.NewRevocations(serials, ids)
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	a.mu.Lock()
	a.revoked = r
	a.mu.Unlock()
	a.broadcast()
	return nil
}

// Subscribe returns a channel that receives after every change of the
// certificate, the bundle or the revocation list (bursts coalesce), and a
// function that ends the subscription.
func (a *Agent) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	a.mu.Lock()
	a.subs[ch] = struct{}{}
	a.mu.Unlock()
	return ch, func() {
		a.mu.Lock()
		delete(a.subs, ch)
		a.mu.Unlock()
	}
}

func (a *Agent) broadcast() {
	a.mu.RLock()
	defer a.mu.RUnlock()
	for ch := range a.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// union returns the certificates of a then those of b not in a.
func union(a, b []*x509.Certificate) []*x509.Certificate {
	out := append([]*x509.Certificate(nil), a...)
	for _, c := range b {
		if !slices.ContainsFunc(out, c.Equal) {
			out = append(out, c)
		}
	}
	return out
}
