package oci

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Credentials are a registry user name and password (or token).
type Credentials struct {
	Username, Password string
}

func (c Credentials) basic() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password))
}

// maxTokenResponse bounds a token service's answer.
const maxTokenResponse = 1 << 20

// ParseChallenge reads the first challenge of a WWW-Authenticate header:
// its scheme in lower case and its auth-params (names in lower case), e.g.
// Bearer realm="https://auth.example/token",service="registry.example".
func ParseChallenge(h string) (scheme string, params map[string]string, err error) {
	s := strings.TrimLeft(h, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		i = len(s)
	}
	scheme, s = strings.ToLower(s[:i]), s[i:]
	if scheme == "" || !isToken(scheme) {
		return "", nil, fmt.Errorf("%w: WWW-Authenticate %q has no scheme", ErrUnauthorized, h)
	}
	params = map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return scheme, params, nil
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return "", nil, fmt.Errorf("%w: WWW-Authenticate %q: want name=value parameters", ErrUnauthorized, h)
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		if !isToken(name) {
			return "", nil, fmt.Errorf("%w: WWW-Authenticate %q: bad parameter name %q", ErrUnauthorized, h, name)
		}
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			j, closed := 1, false
			for ; j < len(s); j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
					b.WriteByte(s[j])
					continue
				}
				if s[j] == '"' {
					closed = true
					break
				}
				b.WriteByte(s[j])
			}
			if !closed {
				return "", nil, fmt.Errorf("%w: WWW-Authenticate %q: unterminated quoted string", ErrUnauthorized, h)
			}
			val, s = b.String(), s[j+1:]
		} else {
			end := strings.IndexAny(s, ", \t")
			if end < 0 {
				end = len(s)
			}
			val, s = s[:end], s[end:]
		}
		if _, dup := params[name]; !dup {
			params[name] = val
		}
	}
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return s != ""
}

// authorize answers a 401's challenge with an Authorization header value.
func (c *Client) authorize(ctx context.Context, ref Ref, challenge, scope string) (string, error) {
	creds, haveCreds := Credentials{}, false
	if c.opts.Credentials != nil {
		creds, haveCreds = c.opts.Credentials(ref.Registry)
	}
	scheme, params, err := ParseChallenge(challenge)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrUnauthorized, ref, err)
	}
	switch scheme {
	case "basic":
		if !haveCreds {
			return "", fmt.Errorf("%w: %s: the registry wants credentials (basic) and none are configured", ErrUnauthorized, ref)
		}
		return creds.basic(), nil
	case "bearer":
	default:
		return "", fmt.Errorf("%w: %s: unsupported authentication scheme %q", ErrUnauthorized, ref, scheme)
	}
	realm, err := url.Parse(params["realm"])
	if err != nil || realm.Host == "" || (realm.Scheme != "https" && realm.Scheme != "http") {
		return "", fmt.Errorf("%w: %s: bearer challenge has no usable realm %q", ErrUnauthorized, ref, params["realm"])
	}
	if realm.Scheme == "http" && !c.plainAllowed(realm.Host) {
		return "", fmt.Errorf("%w: %s: token service %s is plain http; list %s in the insecure registries to allow it", ErrInsecure, ref, realm.Redacted(), realm.Host)
	}
	q := realm.Query()
	if svc := params["service"]; svc != "" {
		q.Set("service", svc)
	}
	if sc := params["scope"]; sc != "" {
		scope = sc
	}
	q.Set("scope", scope)
	realm.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, realm.String(), nil)
	if err != nil {
		return "", fmt.Errorf("%w: %s: token request: %v", ErrUnauthorized, ref, err)
	}
	if haveCreds {
		req.Header.Set("Authorization", creds.basic())
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("oci: %s: token service %s: %w", ref, realm.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse+1))
	if err != nil {
		return "", fmt.Errorf("oci: %s: token service %s: %w", ref, realm.Host, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return "", fmt.Errorf("%w: %s: token service %s refused (%s)", ErrUnauthorized, ref, realm.Host, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("%w: %s: token service %s answered %s", ErrRegistry, ref, realm.Host, resp.Status)
	case len(body) > maxTokenResponse:
		return "", fmt.Errorf("%w: %s: token response over %d bytes", ErrTooLarge, ref, maxTokenResponse)
	}
	var tok struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		return "", fmt.Errorf("%w: %s: token response: %v", ErrUnauthorized, ref, err)
	}
	if tok.Token == "" {
		tok.Token = tok.AccessToken
	}
	if tok.Token == "" {
		return "", fmt.Errorf("%w: %s: token service %s returned no token", ErrUnauthorized, ref, realm.Host)
	}
	return "Bearer " + tok.Token, nil
}
