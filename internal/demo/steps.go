package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"
)

// synced waits until meshd reports every connected proxy synced.
func (r *run) synced(ctx context.Context) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		var ps []struct {
			ID     string `json:"id"`
			Synced bool   `json:"synced"`
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.state.Meshd+"/debug/syncz", nil)
		resp, err := r.client.Do(req)
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&ps)
			resp.Body.Close()
		}
		all := err == nil
		for _, p := range ps {
			all = all && p.Synced
		}
		if all {
			time.Sleep(100 * time.Millisecond) // listeners swap after the ACK
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo: proxies not synced after 15s (%v); see 'meshctl proxy-status --meshd %s'", err, r.state.Meshd)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// page is one request through the gateway.
type page struct {
	code    int
	header  http.Header
	body    string
	reviews string // the reviews version that answered
	elapsed time.Duration
}

func (r *run) get(ctx context.Context, method string, hdr map[string]string) (page, error) {
	req, _ := http.NewRequestWithContext(ctx, method, r.gateway+"/", nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	t0 := time.Now()
	resp, err := r.client.Do(req)
	if err != nil {
		return page{}, fmt.Errorf("demo: %s through the gateway: %w", method, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	p := page{code: resp.StatusCode, header: resp.Header, body: strings.TrimSpace(string(b)), elapsed: time.Since(t0)}
	var pp struct {
		Reviews struct {
			Version string `json:"version"`
		} `json:"reviews"`
	}
	if json.Unmarshal(b, &pp) == nil {
		p.reviews = pp.Reviews.Version
	}
	return p, nil
}

// burst sends n GETs and counts the reviews versions that answered.
func (r *run) burst(ctx context.Context, n int) (map[string]int, error) {
	counts := map[string]int{}
	for range n {
		p, err := r.get(ctx, http.MethodGet, nil)
		if err != nil {
			return nil, err
		}
		if p.code != http.StatusOK {
			counts[fmt.Sprintf("HTTP %d", p.code)]++
			continue
		}
		counts["reviews-"+orNone(p.reviews)]++
	}
	return counts, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (r *run) say(format string, args ...any) { fmt.Fprintf(r.cfg.Out, format+"\n", args...) }

func (r *run) printCounts(counts map[string]int, n int) {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r.say("    %-14s %4d of %d requests", k, counts[k], n)
	}
}

func (r *run) steps(ctx context.Context) error {
	n := r.cfg.Requests
	r.say("\n== Step 0: bookinfo through the gateway %s (reviews balanced over v1, v2, v3)", r.gateway)
	counts, err := r.burst(ctx, n)
	if err != nil {
		return err
	}
	r.printCounts(counts, n)

	r.say("\n== Step 1: canary — VirtualService reviews: v1 90 %%, v3 10 %%")
	if err := r.apply(ctx, "reviews-canary.yaml", canaryConfig()); err != nil {
		return err
	}
	if counts, err = r.burst(ctx, n); err != nil {
		return err
	}
	r.printCounts(counts, n)
	r.say("  SPLIT reviews-v1=%d reviews-v3=%d reviews-v2=%d", counts["reviews-v1"], counts["reviews-v3"], counts["reviews-v2"])

	const delay = 1500 * time.Millisecond
	r.say("\n== Step 2: fault — ratings delayed %v for end-user jason (jason is routed to reviews v3, which calls ratings)", delay)
	if err := r.apply(ctx, "ratings-fault.yaml", faultConfig(delay.String())); err != nil {
		return err
	}
	jason, err := r.get(ctx, http.MethodGet, map[string]string{"end-user": "jason"})
	if err != nil {
		return err
	}
	anon, err := r.get(ctx, http.MethodGet, nil)
	if err != nil {
		return err
	}
	r.say("  FAULT jason=%dms (reviews %s, HTTP %d) anonymous=%dms (reviews %s, HTTP %d)",
		jason.elapsed.Milliseconds(), jason.reviews, jason.code, anon.elapsed.Milliseconds(), anon.reviews, anon.code)

	r.say("\n== Step 3: AuthorizationPolicy — productpage is read-only (DENY POST, PUT, DELETE)")
	if !r.authz {
		r.say("  SKIPPED: bin/filters/authz.wasm is missing (make filters), so meshd enforces no policy")
	} else {
		if err := r.apply(ctx, "productpage-authz.yaml", authzConfig()); err != nil {
			return err
		}
		post, err := r.waitCode(ctx, http.MethodPost, http.StatusForbidden)
		if err != nil {
			return err
		}
		get, err := r.get(ctx, http.MethodGet, nil)
		if err != nil {
			return err
		}
		r.say("  DENY POST=%d %q GET=%d", post.code, firstLine(post.body), get.code)
	}

	r.say("\n== Step 4: a custom Go filter (examples/filters/hello, built for wasip1) pushed to meshd and deployed with a WasmPlugin")
	hdr, err := r.filterStep(ctx)
	if err != nil {
		return err
	}
	r.say("  FILTER x-wasmesh-hello=%q", hdr)
	r.say("\nLook around: meshctl proxy-status --meshd %s; meshctl proxy-config routes productpage-v1; dashboard http://%s/ui/", r.state.Meshd, r.state.Meshd)
	return nil
}

// waitCode retries a request until it gets code (the new listener takes a moment).
func (r *run) waitCode(ctx context.Context, method string, code int) (page, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, err := r.get(ctx, method, nil)
		if err != nil || p.code == code || time.Now().After(deadline) {
			return p, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// filterStep uploads hello.wasm and deploys it on the gateway's route
// target, productpage; it returns the header the filter added.
func (r *run) filterStep(ctx context.Context) (string, error) {
	mod, err := os.ReadFile(r.bin("filters/hello.wasm"))
	if err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	sum := sha256.Sum256(mod)
	digest := hex.EncodeToString(sum[:])
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, "http://"+r.state.Meshd+"/modules/"+digest, strings.NewReader(string(mod)))
	resp, err := r.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("demo: pushing hello.wasm: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("demo: pushing hello.wasm: %s", resp.Status)
	}
	r.say("  pushed sha256:%s (%d bytes)", digest, len(mod))
	wp := fmt.Sprintf(`apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: hello, namespace: %s}
spec:
  selector:
    matchLabels: {app: productpage}
  url: http://%s/modules/%s
  sha256: %s
  phase: STATS
`, ns, r.state.Meshd, digest, digest)
	if err := r.apply(ctx, "hello-wasmplugin.yaml", wp); err != nil {
		return "", err
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		p, err := r.get(ctx, http.MethodGet, nil)
		if err != nil {
			return "", err
		}
		if h := p.header.Get("x-wasmesh-hello"); h != "" {
			return h, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("demo: no x-wasmesh-hello header 20s after deploying the filter; see %s/logs/productpage-v1-proxy.log", r.cfg.Dir)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
