package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// DefaultPollInterval is how often Poll asks meshd for the bundle and the
// revocation list: well inside the 5 s in which a revoked peer must be refused.
const DefaultPollInterval = 2 * time.Second

// maxPollBody bounds what Poll reads from meshd.
const maxPollBody = 1 << 20

// PollConfig says where the agent learns the trust bundle and the
// revocation list from meshd over HTTP.
type PollConfig struct {
	// BundleURL serves the trust bundle as PEM (meshd's /ca/bundle.pem);
	// empty skips it.
	BundleURL string
	// RevocationsURL serves {"serials": [...], "ids": [...]} (meshd's
	// /ca/revocations); empty skips it.
	RevocationsURL string
	// Interval between polls; DefaultPollInterval when 0.
	Interval time.Duration
	// Client makes the requests; http.DefaultClient when nil.
	Client *http.Client
}

// Poll fetches the bundle and the revocation list every interval and
// installs them with SetTrustBundle and SetRevocations when they change, so
// a staged root is trusted, an activated root re-issues the certificate and
// a revoked peer is refused within one interval. A failed fetch is logged
// and the last good values stay. Poll returns when ctx ends.
func (a *Agent) Poll(ctx context.Context, pc PollConfig) {
	if pc.Interval <= 0 {
		pc.Interval = DefaultPollInterval
	}
	if pc.Client == nil {
		pc.Client = http.DefaultClient
	}
	var lastBundle, lastRevoked []byte
	tick := time.NewTicker(pc.Interval)
	defer tick.Stop()
	for {
		if pc.BundleURL != "" {
			if b, err := fetch(ctx, pc.Client, pc.BundleURL); err != nil {
				a.pollFailed(ctx, pc.BundleURL, err)
			} else if !bytes.Equal(b, lastBundle) {
				if err := a.SetTrustBundle(b); err != nil {
					a.log.Warn("agent: trust bundle from meshd not usable", "url", pc.BundleURL, "err", err)
				} else {
					lastBundle = b
				}
			}
		}
		if pc.RevocationsURL != "" {
			if b, err := fetch(ctx, pc.Client, pc.RevocationsURL); err != nil {
				a.pollFailed(ctx, pc.RevocationsURL, err)
			} else if !bytes.Equal(b, lastRevoked) {
				if err := a.setRevocationsJSON(b); err != nil {
					a.log.Warn("agent: revocation list from meshd not usable", "url", pc.RevocationsURL, "err", err)
				} else {
					lastRevoked = b
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (a *Agent) pollFailed(ctx context.Context, url string, err error) {
	if ctx.Err() == nil {
		a.log.Warn("agent: poll of meshd failed; keeping the last values", "url", url, "err", err)
	}
}

// setRevocationsJSON installs a revocation list in meshd's JSON form.
func (a *Agent) setRevocationsJSON(b []byte) error {
	serials, ids, err := ParseRevocations(b)
	if err != nil {
		return err
	}
	return a.SetRevocations(serials, ids)
}

// ErrBadRevocations: the revocation list is not meshd's JSON form.
var ErrBadRevocations = errors.New("agent: bad revocation list")

// ParseRevocations decodes meshd's revocation list,
// {"serials": ["hex", ...], "ids": ["spiffe://...", ...]}; unknown fields
// are errors.
func ParseRevocations(b []byte) (serials, ids []string, err error) {
	var r struct {
		Serials []string `json:"serials"`
		IDs     []string `json:"ids"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrBadRevocations, err)
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("%w: trailing data", ErrBadRevocations)
	}
	return r.Serials, r.IDs, nil
}

func fetch(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("agent: poll: %w", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("agent: poll: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("agent: poll %s: status %d", url, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPollBody+1))
	if err != nil {
		return nil, fmt.Errorf("agent: poll: %w", err)
	}
	if len(b) > maxPollBody {
		return nil, fmt.Errorf("agent: poll %s: body over %d bytes", url, maxPollBody)
	}
	return b, nil
}
