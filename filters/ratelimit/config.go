package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// config is the plugin configuration (JSON).
type config struct {
	// Name scopes the buckets in shared data; plugins with the same name
	// share buckets.
	Name string `json:"name"`
	// Key says what a bucket is per: "principal" (the peer's SPIFFE ID),
	// "ip" (source address), "path", "header:<name>" or "global" (one bucket).
	Key string `json:"key"`
	// TokenBucket is Envoy's local_ratelimit token bucket.
	TokenBucket struct {
		MaxTokens     int64  `json:"maxTokens"`
		TokensPerFill int64  `json:"tokensPerFill"`
		FillInterval  string `json:"fillInterval"`
	} `json:"tokenBucket"`
	// Global, when set, also asks meshd's quota service after the local
	// bucket allowed the request.
	Global *global `json:"global,omitempty"`

	limits limits
}

type global struct {
	Cluster   string `json:"cluster"`
	Authority string `json:"authority,omitempty"`
	Path      string `json:"path,omitempty"`
	Timeout   string `json:"timeout,omitempty"`
	// FailClosed rejects requests when the quota service cannot be reached;
	// the default lets them through, as Mixer's quota did.
	FailClosed bool `json:"failClosed,omitempty"`

	timeout time.Duration
}

func parseConfig(b []byte) (config, error) {
	var c config
	if len(strings.TrimSpace(string(b))) == 0 {
		return c, errors.New("ratelimit: plugin configuration is empty: it needs a key and a tokenBucket")
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("ratelimit: plugin configuration: %w", err)
	}
	if c.Name == "" {
		c.Name = "default"
	}
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("ratelimit: plugin configuration: "+format, a...))
	}
	switch {
	case c.Key == "principal", c.Key == "ip", c.Key == "path", c.Key == "global":
	case strings.HasPrefix(c.Key, "header:") && len(c.Key) > len("header:"):
		c.Key = strings.ToLower(c.Key)
	default:
		bad(`key %q must be principal, ip, path, global or header:<name>`, c.Key)
	}
	tb := c.TokenBucket
	if tb.MaxTokens < 1 {
		bad("tokenBucket.maxTokens must be at least 1, got %d", tb.MaxTokens)
	}
	if tb.TokensPerFill == 0 {
		tb.TokensPerFill = 1
	}
	if tb.TokensPerFill < 1 {
		bad("tokenBucket.tokensPerFill must be at least 1, got %d", tb.TokensPerFill)
	}
	fill, err := time.ParseDuration(tb.FillInterval)
	if err != nil || fill < time.Millisecond {
		bad("tokenBucket.fillInterval %q must be a duration of at least 1ms", tb.FillInterval)
	}
	c.limits = limits{MaxTokens: tb.MaxTokens, TokensPerFill: tb.TokensPerFill, FillInterval: fill}
	if g := c.Global; g != nil {
		if g.Cluster == "" {
			bad("global.cluster is required")
		}
		if g.Authority == "" {
			g.Authority = "meshd"
		}
		if g.Path == "" {
			g.Path = "/v1/quota"
		}
		if g.Timeout == "" {
			g.Timeout = "200ms"
		}
		if g.timeout, err = time.ParseDuration(g.Timeout); err != nil || g.timeout <= 0 {
			bad("global.timeout %q is not a positive duration", g.Timeout)
		}
	}
	return c, errors.Join(errs...)
}
