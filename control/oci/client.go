package oci

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultMaxSize bounds a module and each blob (64 MiB, as meshd's module
// store does).
const DefaultMaxSize = 64 << 20

// Options configure a Client.
type Options struct {
	// HTTPClient sends the requests; a client with timeouts by default.
	// Its CheckRedirect is replaced.
	HTTPClient *http.Client
	// Insecure lists registries ("host" or "host:port") that may answer
	// over plain http; loopback registries always may.
	Insecure []string
	// MaxSize bounds a module and each blob; DefaultMaxSize when 0.
	MaxSize int64
	// Credentials returns the credentials for a registry (as written in the
	// reference, "docker.io" for Docker Hub), if any.
	Credentials func(registry string) (Credentials, bool)
}

// Client pulls Wasm modules from registries. It is safe for concurrent
// use; it remembers bearer tokens and which registries speak plain http.
type Client struct {
	opts     Options
	hc       *http.Client
	insecure map[string]bool
	maxSize  int64

	mu     sync.Mutex
	plain  map[string]bool   // api hosts that answered https with plain http
	tokens map[string]string // registry + scope → Authorization value
}

// New returns a client.
func New(o Options) *Client {
	c := &Client{opts: o, insecure: map[string]bool{}, maxSize: o.MaxSize, plain: map[string]bool{}, tokens: map[string]string{}}
	if c.maxSize <= 0 {
		c.maxSize = DefaultMaxSize
	}
	for _, h := range o.Insecure {
		if h = strings.TrimSpace(strings.ToLower(h)); h != "" {
			c.insecure[h] = true
		}
	}
	hc := &http.Client{Timeout: 5 * time.Minute}
	if o.HTTPClient != nil {
		copied := *o.HTTPClient
		hc = &copied
	}
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("oci: stopped after 10 redirects")
		}
		if req.URL.Scheme != "https" && !c.plainAllowed(req.URL.Host) {
			return fmt.Errorf("%w: redirect to %s", ErrInsecure, req.URL.Redacted())
		}
		return nil
	}
	c.hc = hc
	return c
}

// plainAllowed reports whether host[:port] may be reached over http.
func (c *Client) plainAllowed(hostport string) bool {
	hostport = strings.ToLower(hostport)
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if c.insecure[hostport] || c.insecure[host] || host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Image is a resolved manifest.
type Image struct {
	Ref Ref
	// Digest is the manifest's digest, "sha256:<hex>".
	Digest   string
	Manifest *Manifest
}

var manifestAccept = []string{MediaTypeOCIManifest, MediaTypeDockerManifest, MediaTypeOCIIndex, MediaTypeDockerList}

// Resolve fetches and checks the manifest ref names; when that is an image
// index, the index's Wasm image (see Index.Image). The Image's Digest is
// the digest ref resolves to, the index's then.
func (c *Client) Resolve(ctx context.Context, ref Ref) (*Image, error) {
	b, ct, digest, err := c.manifest(ctx, ref, ref.reference(), Descriptor{Digest: ref.Digest, Size: -1})
	if err != nil {
		return nil, err
	}
	if isIndex(ct, b) {
		x, err := decodeIndex(b)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: index: %w", ErrBadManifest, ref, err)
		}
		d, err := x.image()
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrNotWasm, ref, err)
		}
		if b, ct, _, err = c.manifest(ctx, ref, d.Digest, d); err != nil {
			return nil, err
		}
		if isIndex(ct, b) {
			return nil, fmt.Errorf("%w: %s: index %s names another index", ErrBadManifest, ref, d.Digest)
		}
	}
	m, err := decodeManifest(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadManifest, ref, err)
	}
	return &Image{Ref: ref, Digest: digest, Manifest: m}, nil
}

// manifest fetches a manifest or index by tag or digest and checks it
// against want (its digest when set, its size when not negative). It
// returns the body, its media type and its digest.
func (c *Client) manifest(ctx context.Context, ref Ref, reference string, want Descriptor) ([]byte, string, string, error) {
	resp, err := c.get(ctx, ref, "manifests/"+reference, manifestAccept)
	if err != nil {
		return nil, "", "", err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		what := fmt.Sprintf("no such tag %q", reference)
		if strings.HasPrefix(reference, "sha256:") {
			what = "no manifest " + reference
		}
		return nil, "", "", fmt.Errorf("%w: %s: %s in repository %s", ErrNotFound, ref, what, ref.Repository)
	default:
		return nil, "", "", statusError(ref, "manifest", resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxManifestSize+1))
	if err != nil {
		return nil, "", "", fmt.Errorf("oci: %s: reading manifest %s: %w", ref, reference, err)
	}
	if len(b) > MaxManifestSize {
		return nil, "", "", fmt.Errorf("%w: %s: manifest %s over %d bytes", ErrTooLarge, ref, reference, MaxManifestSize)
	}
	sum := sha256.Sum256(b)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	if want.Digest != "" && digest != want.Digest {
		return nil, "", "", fmt.Errorf("%w: %s: manifest %s hashes to %s", ErrDigestMismatch, ref, want.Digest, digest)
	}
	if want.Size >= 0 && int64(len(b)) != want.Size {
		return nil, "", "", fmt.Errorf("%w: %s: manifest %s is %d bytes, the index says %d", ErrDigestMismatch, ref, want.Digest, len(b), want.Size)
	}
	if h := resp.Header.Get("Docker-Content-Digest"); strings.HasPrefix(h, "sha256:") && h != digest {
		return nil, "", "", fmt.Errorf("%w: %s: manifest %s hashes to %s, the registry says %s", ErrDigestMismatch, ref, reference, digest, h)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return b, ct, digest, nil
}

// Module is a pulled Wasm module.
type Module struct {
	*Image
	Format Format
	// Wasm is the module's bytes.
	Wasm []byte
}

// Pull resolves ref and extracts its Wasm module.
func (c *Client) Pull(ctx context.Context, ref Ref) (*Module, error) {
	img, err := c.Resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	return c.Module(ctx, img)
}

func statusError(ref Ref, what string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	msg := strings.TrimSpace(string(body))
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return fmt.Errorf("%w: %s: %s: %s %s", ErrUnauthorized, ref, what, resp.Status, msg)
	}
	return fmt.Errorf("%w: %s: %s: %s %s", ErrRegistry, ref, what, resp.Status, msg)
}

// get sends GET /v2/<repo>/<path>, answering a 401 challenge once.
func (c *Client) get(ctx context.Context, ref Ref, path string, accept []string) (*http.Response, error) {
	scope := "repository:" + ref.Repository + ":pull"
	key := ref.Registry + " " + scope
	c.mu.Lock()
	auth := c.tokens[key]
	c.mu.Unlock()
	resp, err := c.send(ctx, ref, path, accept, auth)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	challenge := resp.Header.Get("WWW-Authenticate")
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if challenge == "" {
		return nil, fmt.Errorf("%w: %s: 401 without a WWW-Authenticate challenge", ErrUnauthorized, ref)
	}
	if auth, err = c.authorize(ctx, ref, challenge, scope); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.tokens[key] = auth
	c.mu.Unlock()
	if resp, err = c.send(ctx, ref, path, accept, auth); err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		defer resp.Body.Close()
		return nil, statusError(ref, "refused the credentials", resp)
	}
	return resp, nil
}

// send sends one request over https, or http for a registry that may use
// it and answered https with plain http.
func (c *Client) send(ctx context.Context, ref Ref, path string, accept []string, auth string) (*http.Response, error) {
	host := ref.apiHost()
	c.mu.Lock()
	plain := c.plain[host]
	c.mu.Unlock()
	for {
		scheme := "https"
		if plain {
			scheme = "http"
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+host+"/v2/"+ref.Repository+"/"+path, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadRef, ref, err)
		}
		for _, a := range accept {
			req.Header.Add("Accept", a)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := c.hc.Do(req)
		if err != nil && !plain && errors.Is(err, http.ErrSchemeMismatch) {
			if !c.plainAllowed(host) {
				return nil, fmt.Errorf("%w: %s: registry %s speaks plain http; list it in the insecure registries to allow that", ErrInsecure, ref, host)
			}
			plain = true
			c.mu.Lock()
			c.plain[host] = true
			c.mu.Unlock()
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("oci: %s: %w", ref, err)
		}
		return resp, nil
	}
}
