package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/modules"
	"github.com/wasmesh/wasmesh/control/oci"
)

// Pull timing.
const (
	ociPullTimeout = 2 * time.Minute
	ociMaxBackoff  = 5 * time.Minute
	ociMaxPulls    = 2 // concurrent pulls
)

// ociModules pulls the modules of WasmPlugins with oci:// (or scheme-less)
// URLs into the module store in the background, so a slow registry never
// delays a push: resolve answers from what is already pulled and asks for
// the rest; run pulls, retries failures with backoff and requests a push
// when a module arrives or changes.
//
// Images are cached by reference, and the reference → module map is kept
// in DataDir so meshd restarts with the modules it had. IfNotPresent (the
// default) pulls an image once; Always, and an unspecified policy on the
// tag latest (Istio's rule), pull again every ImagePullInterval while a
// plugin uses the image, serving the module held until a new one is
// stored, and again when a plugin using the image changes (a failing pull
// is retried at once when its plugin changes). References
// pinned by digest are never pulled again.
//
// A plugin's imagePullSecret names <CredentialsDir>/<secret>/.dockerconfigjson
// (a kubernetes.io/dockerconfigjson Secret mounted as files), read at each
// authentication.
type ociModules struct {
	opts    oci.Options
	credDir string
	clients map[string]*oci.Client // by image pull secret; guarded by mu
	store   *modules.Store
	log     *slog.Logger
	kick    func()
	refresh time.Duration
	backoff time.Duration // first retry delay, doubling
	index   string        // file of the persisted reference → module map

	mu     sync.Mutex
	images map[string]*ociImage // by canonical reference
	round  int                  // resolve rounds, to know which images are in use
	active int                  // pulls under way
	wake   chan struct{}

	saveMu sync.Mutex
}

type ociImage struct {
	ref      oci.Ref
	Sum      string `json:"sha256"` // module in the store
	Digest   string `json:"digest"` // manifest
	plugins  []string
	versions map[string]string // plugin → resource version, for Always
	secret   string            // image pull secret
	always   bool
	seen     int       // round the image was last used in
	pulled   time.Time // last pull, zero when loaded from the index
	due      time.Time // next pull; zero for none
	failures int
	pulling  bool
}

func newOCIModules(cfg Config, store *modules.Store, kick func()) *ociModules {
	p := &ociModules{
		opts:    oci.Options{Insecure: cfg.InsecureRegistries, MaxSize: modules.DefaultMaxSize},
		credDir: cfg.CredentialsDir,
		clients: map[string]*oci.Client{},
		store:   store,
		log:     cfg.Logger,
		kick:    kick,
		refresh: cfg.ImagePullInterval,
		backoff: time.Second,
		index:   filepath.Join(cfg.DataDir, "oci-images.json"),
		images:  map[string]*ociImage{},
		wake:    make(chan struct{}, 1),
	}
	p.load()
	return p
}

// isOCI reports whether a WasmPlugin URL names an OCI image.
func isOCI(url string) bool {
	return strings.HasPrefix(url, "oci://") || !strings.Contains(url, "://")
}

// begin starts a resolve round; lookup marks the images in use.
func (p *ociModules) begin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.round++
}

// lookup returns the module of a plugin's image when it is stored, and
// asks for a pull when it is not.
func (p *ociModules) lookup(plugin, version string, wp *api.WasmPlugin) (string, bool) {
	ref, err := oci.ParseRef(wp.URL)
	if err != nil {
		p.log.Warn("WasmPlugin image reference invalid", "plugin", plugin, "url", wp.URL, "err", err)
		return "", false
	}
	key := ref.String()
	p.mu.Lock()
	defer p.mu.Unlock()
	im := p.images[key]
	if im == nil {
		im = &ociImage{ref: ref}
		p.images[key] = im
	}
	im.ref = ref
	if im.seen != p.round {
		im.seen, im.plugins, im.always = p.round, im.plugins[:0], false
	}
	im.plugins = append(im.plugins, plugin)
	im.secret = wp.ImagePullSecret
	policy := wp.ImagePullPolicy
	always := ref.Digest == "" && (policy == "Always" || (policy != "IfNotPresent" && ref.Tag == "latest"))
	im.always = im.always || always
	if im.versions == nil {
		im.versions = map[string]string{}
	}
	if old, ok := im.versions[plugin]; ok && old != version && (always || im.Sum == "") && !im.pulling {
		// the plugin changed: Always pulls again, a failing pull retries now
		im.due = time.Now()
		p.wakeup()
	}
	im.versions[plugin] = version
	if im.Sum == "" || !p.store.Has(im.Sum) {
		if !im.pulling && im.due.IsZero() {
			im.Sum, im.due = "", time.Now()
			p.wakeup()
		}
		return "", false
	}
	if want := strings.ToLower(wp.SHA256); want != "" && want != im.Sum && "sha256:"+want != im.Digest {
		p.log.Warn("WasmPlugin sha256 matches neither the image digest nor its module", "plugin", plugin, "image", key,
			"sha256", want, "digest", im.Digest, "module", im.Sum)
		return "", false
	}
	return im.Sum, true
}

// end schedules the refresh of images pulled with Always.
func (p *ociModules) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, im := range p.images {
		if im.seen == p.round && im.always && im.Sum != "" && im.due.IsZero() && !im.pulling {
			im.due = im.pulled.Add(p.refresh)
			p.wakeup()
		}
	}
}

func (p *ociModules) wakeup() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// run pulls the images that are due until ctx is done.
func (p *ociModules) run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		wait := time.Hour
		if next := p.startDue(ctx, &wg); !next.IsZero() {
			wait = time.Until(next)
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-t.C:
		}
	}
}

// startDue starts the pulls that are due and returns when the next is.
func (p *ociModules) startDue(ctx context.Context, wg *sync.WaitGroup) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	var next time.Time
	keys := make([]string, 0, len(p.images))
	for k := range p.images {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		im := p.images[key]
		if im.seen != p.round || im.pulling || im.due.IsZero() {
			continue
		}
		if im.due.After(now) {
			if next.IsZero() || im.due.Before(next) {
				next = im.due
			}
			continue
		}
		if p.active >= ociMaxPulls {
			continue // a finishing pull wakes the loop
		}
		im.pulling = true
		p.active++
		wg.Add(1)
		c := p.clientLocked(im.secret)
		go func(key string, ref oci.Ref, digest, sum string) {
			defer wg.Done()
			p.pull(ctx, c, key, ref, digest, sum)
		}(key, im.ref, im.Digest, im.Sum)
	}
	return next
}

// pull fetches one image and records the outcome.
func (p *ociModules) pull(ctx context.Context, c *oci.Client, key string, ref oci.Ref, oldDigest, oldSum string) {
	pctx, cancel := context.WithTimeout(ctx, ociPullTimeout)
	sum, digest, err := p.fetch(pctx, c, ref, oldDigest, oldSum)
	cancel()
	p.mu.Lock()
	im := p.images[key]
	im.pulling = false
	p.active--
	plugins := strings.Join(im.plugins, ", ")
	if err != nil {
		if ctx.Err() != nil {
			p.mu.Unlock()
			return // shutting down
		}
		im.failures++
		delay := min(p.backoff<<min(im.failures-1, 20), ociMaxBackoff)
		im.due = time.Now().Add(delay)
		n := im.failures
		p.mu.Unlock()
		p.log.Warn("WasmPlugin image pull failed", "plugin", plugins, "image", key, "attempt", n, "retry-in", delay, "err", err)
		p.wakeup()
		return
	}
	changed := sum != im.Sum
	im.Sum, im.Digest, im.pulled, im.failures, im.due = sum, digest, time.Now(), 0, time.Time{}
	if im.always {
		im.due = im.pulled.Add(p.refresh)
	}
	p.mu.Unlock()
	p.wakeup()
	if !changed {
		p.log.Debug("WasmPlugin image unchanged", "plugin", plugins, "image", key, "digest", digest)
		return
	}
	p.log.Info("WasmPlugin image pulled", "plugin", plugins, "image", key, "digest", digest, "sha256", sum)
	p.save()
	p.kick()
}

// fetch resolves ref and stores its module unless the manifest is the one
// already pulled.
func (p *ociModules) fetch(ctx context.Context, c *oci.Client, ref oci.Ref, oldDigest, oldSum string) (sum, digest string, err error) {
	img, err := c.Resolve(ctx, ref)
	if err != nil {
		return "", "", err
	}
	if img.Digest == oldDigest && oldSum != "" && p.store.Has(oldSum) {
		return oldSum, img.Digest, nil
	}
	m, err := c.Module(ctx, img)
	if err != nil {
		return "", "", err
	}
	if sum, err = p.store.Put(bytes.NewReader(m.Wasm), ""); err != nil {
		return "", "", fmt.Errorf("server: %s: %w", ref, err)
	}
	return sum, img.Digest, nil
}

// clientLocked returns the client pulling with an image pull secret (""
// for none), remembering bearer tokens between pulls; p.mu is held.
func (p *ociModules) clientLocked(secret string) *oci.Client {
	if c := p.clients[secret]; c != nil {
		return c
	}
	o := p.opts
	if secret != "" {
		file := filepath.Join(p.credDir, secret, ".dockerconfigjson")
		o.Credentials = func(registry string) (oci.Credentials, bool) {
			if secret != filepath.Base(secret) || secret == ".." {
				p.log.Warn("WasmPlugin imagePullSecret is not a plain name", "secret", secret)
				return oci.Credentials{}, false
			}
			b, err := os.ReadFile(file)
			var d oci.DockerConfig
			if err == nil {
				d, err = oci.ParseDockerConfig(b)
			}
			if err != nil {
				p.log.Warn("WasmPlugin imagePullSecret unreadable", "secret", secret, "file", file, "err", err)
				return oci.Credentials{}, false
			}
			return d.Lookup(registry)
		}
	}
	c := oci.New(o)
	p.clients[secret] = c
	return c
}

// load reads the persisted reference → module map.
func (p *ociModules) load() {
	b, err := os.ReadFile(p.index)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	var saved map[string]*ociImage
	if err == nil {
		err = json.Unmarshal(b, &saved)
	}
	if err != nil {
		p.log.Warn("OCI image index unreadable, images will be pulled again", "file", p.index, "err", err)
		return
	}
	for key, im := range saved {
		ref, err := oci.ParseRef(key)
		if err != nil || im == nil || ref.String() != key {
			continue
		}
		if _, err := modules.ParseDigest(im.Sum); err != nil {
			continue
		}
		im.ref = ref
		p.images[key] = im
	}
}

// save writes the reference → module map.
func (p *ociModules) save() {
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	p.mu.Lock()
	saved := map[string]ociImage{}
	for k, im := range p.images {
		if im.Sum != "" {
			saved[k] = ociImage{Sum: im.Sum, Digest: im.Digest}
		}
	}
	p.mu.Unlock()
	b, err := json.MarshalIndent(saved, "", "  ")
	if err == nil {
		tmp := p.index + ".tmp"
		if err = os.WriteFile(tmp, b, 0o644); err == nil {
			err = os.Rename(tmp, p.index)
		}
	}
	if err != nil {
		p.log.Warn("OCI image index not saved", "file", p.index, "err", err)
	}
}

// requestPush asks the push loop for a rebuild.
func (s *Server) requestPush() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}
