package fetch

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// guardedClient returns a copy of base (or a new client) whose transport dials only addresses
// the policy allows.
func guardedClient(base *http.Client, allowPrivate bool) (*http.Client, error) {
	var c http.Client
	if base != nil {
		c = *base
	}
	var t *http.Transport
	switch rt := c.Transport.(type) {
	case nil:
		t = http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 30 * time.Second
	case *http.Transport:
		t = rt.Clone()
	default:
		return nil, fmt.Errorf("%w: http client transport %T cannot be guarded; use *http.Transport", ErrInvalidConfig, rt)
	}
	d := &net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		// Control sees the resolved IP right before connect(2): the check covers DNS
		// rebinding and every redirect hop.
		ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
			return checkDialAddress(address, allowPrivate)
		},
	}
	t.Proxy = nil
	t.DialTLSContext = nil
	t.DisableKeepAlives = true // fetches are rare; no idle connections outlive a Get
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if why := blockedName(host); why != "" {
			return nil, &BlockedAddressError{Address: host, Reason: why}
		}
		return d.DialContext(ctx, network, addr)
	}
	c.Transport = t
	return &c, nil
}

// httpGet downloads u, refusing non-2xx answers and bodies over the limit.
func (f *Fetcher) httpGet(ctx context.Context, u *url.URL, uri string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch: %s: %w", uri, err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch: %s: %w", uri, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &HTTPStatusError{URI: uri, StatusCode: resp.StatusCode}
	}
	if resp.ContentLength > f.cfg.MaxBytes {
		return nil, &TooLargeError{URI: uri, Limit: f.cfg.MaxBytes}
	}
	return readLimited(resp.Body, f.cfg.MaxBytes, uri)
}
