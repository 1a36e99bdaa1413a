package httpx

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/wasmesh/wasmesh/proxy/cluster"
	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/router"
)

// JWTMetadataNamespace is where verified payloads are stored in Stream.Metadata.
const JWTMetadataNamespace = "envoy.filters.http.jwt_authn"

var jwtAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA, jose.HS256, jose.HS384, jose.HS512}

// JWKSCache fetches and caches remote JWKS documents; it is shared across
// handler rebuilds so a config change does not refetch.
type JWKSCache struct {
	Clusters *cluster.Manager
	Client   *http.Client

	mu      sync.Mutex
	entries map[string]jwksEntry
}

type jwksEntry struct {
	keys    *jose.JSONWebKeySet
	expires time.Time
}

// Get returns the key set at uri, fetching it through cluster clusterName if set.
func (c *JWKSCache) Get(ctx context.Context, uri, clusterName string, ttl time.Duration) (*jose.JSONWebKeySet, error) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]jwksEntry{}
	}
	e, ok := c.entries[uri]
	c.mu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return e.keys, nil
	}
	keys, err := c.fetch(ctx, uri, clusterName)
	if err != nil {
		if ok {
			return e.keys, nil // serve stale keys rather than fail every request
		}
		return nil, err
	}
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	c.mu.Lock()
	c.entries[uri] = jwksEntry{keys: keys, expires: time.Now().Add(ttl)}
	c.mu.Unlock()
	return keys, nil
}

func (c *JWKSCache) fetch(ctx context.Context, uri, clusterName string) (*jose.JSONWebKeySet, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, fmt.Errorf("httpx: jwks %s: %w", uri, err)
	}
	rt := http.RoundTripper(http.DefaultTransport)
	if c.Client != nil {
		rt = c.Client.Transport
	}
	if cl := c.Clusters.Get(clusterName); cl != nil && clusterName != "" {
		host, err := cl.Pick(&cluster.PickContext{})
		if err != nil {
			return nil, fmt.Errorf("httpx: jwks %s: %w", uri, err)
		}
		req.URL.Host, req.URL.Scheme = host.Addr, cl.Scheme()
		req.Host = (&url.URL{Host: mustHost(uri)}).Host
		rt = cl.Transport(1)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, fmt.Errorf("httpx: jwks %s: %w", uri, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("httpx: jwks %s: status %d", uri, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("httpx: jwks %s: %w", uri, err)
	}
	var ks jose.JSONWebKeySet
	if err := json.Unmarshal(b, &ks); err != nil {
		return nil, fmt.Errorf("httpx: jwks %s: %w", uri, err)
	}
	return &ks, nil
}

func mustHost(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	return u.Host
}

// JWT is envoy.filters.http.jwt_authn.
type JWT struct {
	cfg    *config.JWTAuthn
	cache  *JWKSCache
	inline map[string]*jose.JSONWebKeySet
}

var _ Filter = (*JWT)(nil)

// NewJWT builds the filter; inline JWKS are parsed once here.
func NewJWT(cfg *config.JWTAuthn, cache *JWKSCache) (*JWT, error) {
	j := &JWT{cfg: cfg, cache: cache, inline: map[string]*jose.JSONWebKeySet{}}
	for name, p := range cfg.Providers {
		if len(p.InlineJWKS) == 0 {
			continue
		}
		var ks jose.JSONWebKeySet
		if err := json.Unmarshal(p.InlineJWKS, &ks); err != nil {
			return nil, fmt.Errorf("httpx: jwt provider %s: local_jwks: %w", name, err)
		}
		j.inline[name] = &ks
	}
	return j, nil
}

// Name implements Filter.
func (j *JWT) Name() string { return string(config.FilterJWT) }

// OnRequest implements Filter.
func (j *JWT) OnRequest(s *Stream) *LocalReply {
	var q url.Values
	req := router.FromHTTP(s.Req)
	for i := range j.cfg.Rules {
		rule := &j.cfg.Rules[i]
		if !router.Matches(&rule.Match, &req, &q) {
			continue
		}
		if len(rule.Providers) == 0 && !rule.AllowMissing {
			return nil
		}
		return j.enforce(s, rule)
	}
	return nil
}

func (j *JWT) enforce(s *Stream, rule *config.JWTRule) *LocalReply {
	var lastErr error
	found := false
	for _, name := range rule.Providers {
		p := j.cfg.Providers[name]
		tok, remove := extractToken(s.Req, p)
		if tok == "" {
			continue
		}
		found = true
		claims, payload, err := j.verify(s.Req.Context(), p, tok)
		if err != nil {
			lastErr = err
			continue
		}
		j.accept(s, p, claims, payload, remove)
		return nil
	}
	if rule.AllowFailed || (!found && rule.AllowMissing) {
		return nil
	}
	if !found && len(rule.Providers) == 0 {
		return nil
	}
	msg := "Jwt is missing"
	if found {
		msg = "Jwt verification fails"
		if lastErr != nil {
			s.SetMetadata(JWTMetadataNamespace, "error", lastErr.Error())
		}
	}
	return &LocalReply{Status: http.StatusUnauthorized, Body: msg, Flag: FlagUnauthorized, GRPCStatus: 16,
		Header: http.Header{"Www-Authenticate": {`Bearer realm="` + realm(s.Req) + `"`}}}
}

func realm(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.Path
}

// extractToken finds the token per the provider's locations (Envoy's default:
// Authorization: Bearer and the access_token query parameter). remove strips it.
func extractToken(r *http.Request, p *config.JWTProvider) (string, func()) {
	headers, params := p.FromHeaders, p.FromParams
	if len(headers) == 0 && len(params) == 0 {
		headers = []config.JWTHeader{{Name: "Authorization", ValuePrefix: "Bearer "}}
		params = []string{"access_token"}
	}
	for _, h := range headers {
		v := r.Header.Get(h.Name)
		if v == "" {
			continue
		}
		if h.ValuePrefix != "" {
			i := strings.Index(v, h.ValuePrefix)
			if i < 0 {
				continue
			}
			v = v[i+len(h.ValuePrefix):]
		}
		name := h.Name
		return strings.TrimSpace(v), func() { r.Header.Del(name) }
	}
	if len(params) > 0 {
		q := r.URL.Query()
		for _, name := range params {
			if v := q.Get(name); v != "" {
				return v, func() {
					q.Del(name)
					r.URL.RawQuery = q.Encode()
				}
			}
		}
	}
	return "", nil
}

func (j *JWT) verify(ctx context.Context, p *config.JWTProvider, raw string) (map[string]any, []byte, error) {
	tok, err := jwt.ParseSigned(raw, jwtAlgs)
	if err != nil {
		return nil, nil, fmt.Errorf("httpx: jwt: %w", err)
	}
	keys := j.inline[p.Name]
	if keys == nil {
		if keys, err = j.cache.Get(ctx, p.RemoteJWKSURI, p.RemoteJWKSCluster, p.CacheDuration); err != nil {
			return nil, nil, err
		}
	}
	var std jwt.Claims
	all := map[string]any{}
	if err := tok.Claims(keys, &std, &all); err != nil {
		return nil, nil, fmt.Errorf("httpx: jwt: %w", err)
	}
	exp := jwt.Expected{Time: time.Now()}
	if p.Issuer != "" {
		exp.Issuer = p.Issuer
	}
	if err := std.ValidateWithLeeway(exp, 60*time.Second); err != nil {
		return nil, nil, fmt.Errorf("httpx: jwt: %w", err)
	}
	if len(p.Audiences) > 0 && !slices.ContainsFunc(p.Audiences, func(a string) bool { return slices.Contains(std.Audience, a) }) {
		return nil, nil, fmt.Errorf("httpx: jwt: audience not allowed")
	}
	parts := strings.Split(raw, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	return all, payload, nil
}

func (j *JWT) accept(s *Stream, p *config.JWTProvider, claims map[string]any, payload []byte, remove func()) {
	if !p.Forward && remove != nil {
		remove()
	}
	if p.ForwardPayload != "" {
		s.Req.Header.Set(p.ForwardPayload, base64.RawURLEncoding.EncodeToString(payload))
	}
	for _, ch := range p.ClaimToHeaders {
		if v, ok := claims[ch.Claim]; ok {
			switch x := v.(type) {
			case string:
				s.Req.Header.Set(ch.Header, x)
			default:
				b, _ := json.Marshal(x)
				s.Req.Header.Set(ch.Header, string(b))
			}
		}
	}
	key := p.PayloadInMetadata
	if key == "" {
		key = p.Issuer
	}
	s.SetMetadata(JWTMetadataNamespace, key, claims)
	// request.auth.* (Istio's names) for later filters.
	iss, _ := claims["iss"].(string)
	sub, _ := claims["sub"].(string)
	s.SetMetadata("request.auth", "principal", iss+"/"+sub)
	s.SetMetadata("request.auth", "claims", claims)
	s.SetMetadata("request.auth", "audiences", claims["aud"])
	s.SetMetadata("request.auth", "presenter", claims["azp"])
}
