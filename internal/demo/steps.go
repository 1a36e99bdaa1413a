package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// synced waits until meshd reports every connected proxy synced.
func (r *run) synced(ctx context.Context) error { return r.waitProxies(ctx, 0) }

// waitProxies waits until at least n proxies are connected and all synced.
func (r *run) waitProxies(ctx context.Context, n int) error {
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
		all := err == nil && len(ps) >= n
		for _, p := range ps {
			all = all && p.Synced
		}
		if all {
			time.Sleep(100 * time.Millisecond) // listeners swap after the ACK
			return nil
		}
		if err := r.dead(); err != nil {
			return err
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

func (r *run) get(ctx context.Context, method, path string, hdr map[string]string) (page, error) {
	req, _ := http.NewRequestWithContext(ctx, method, r.gateway+path, nil)
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
		p, err := r.get(ctx, http.MethodGet, "/", nil)
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

// example reads one of the demo's config files in examples/bookinfo.
func (r *run) example(name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(r.cfg.Root, "examples", "bookinfo", name))
	if err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	return string(b), nil
}

func (r *run) applyExample(ctx context.Context, name string) error {
	y, err := r.example(name)
	if err != nil {
		return err
	}
	r.say("  applying examples/bookinfo/%s", name)
	return r.apply(ctx, name, y)
}

// splitStep sends a burst and prints what the client saw next to what the
// reviews sidecars counted (istio_requests_total deltas by version), and
// how those requests were secured.
func (r *run) splitStep(ctx context.Context, n int) error {
	before, err := r.scrape(ctx, "reviews")
	if err != nil {
		return err
	}
	counts, err := r.burst(ctx, n)
	if err != nil {
		return err
	}
	r.printCounts(counts, n)
	after, err := r.waitMetrics(ctx, before, n)
	if err != nil {
		return err
	}
	b, a := totals(before, nil), totals(after, nil)
	var seen, measured []string
	for _, v := range []string{"v1", "v2", "v3"} {
		seen = append(seen, fmt.Sprintf("reviews-%s=%d", v, counts["reviews-"+v]))
		measured = append(measured, fmt.Sprintf("reviews-%s=%d", v, int(a[v]-b[v])))
	}
	r.say("  SPLIT %s", strings.Join(seen, " "))
	r.say("  METRICS %s (istio_requests_total{reporter=\"destination\"} deltas from each reviews sidecar's merged metrics)", strings.Join(measured, " "))
	mtls := func(l map[string]string) bool {
		return l["connection_security_policy"] == "mutual_tls" && l["source_principal"] == productpagePrincipal
	}
	bm, am := totals(before, mtls), totals(after, mtls)
	var total, secured int
	for v := range a {
		total += int(a[v] - b[v])
		secured += int(am[v] - bm[v])
	}
	r.say("  MTLS %d of %d reviews requests over mutual_tls from %s", secured, total, productpagePrincipal)
	return nil
}

// productpagePrincipal is productpage's SPIFFE identity from meshd's CA.
const productpagePrincipal = "spiffe://cluster.local/ns/" + ns + "/sa/bookinfo-productpage"

// waitMetrics scrapes until the sidecars counted n more requests (the
// telemetry filter counts at stream end, just after the response).
func (r *run) waitMetrics(ctx context.Context, before map[string][]sample, n int) (map[string][]sample, error) {
	b := totals(before, nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		after, err := r.scrape(ctx, "reviews")
		if err != nil {
			return nil, err
		}
		var delta float64
		for k, v := range totals(after, nil) {
			delta += v - b[k]
		}
		if int(delta) >= n || time.Now().After(deadline) {
			return after, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *run) steps(ctx context.Context) error {
	n := r.cfg.Requests
	r.say("\n== Step 0: bookinfo through the gateway %s (reviews balanced over v1, v2, v3; telemetry filter in every sidecar)", r.gateway)
	if err := r.splitStep(ctx, n); err != nil {
		return err
	}

	r.say("\n== Step 1: canary — reviews v1 90 %%, v3 10 %%")
	if err := r.applyExample(ctx, "canary.yaml"); err != nil {
		return err
	}
	if err := r.splitStep(ctx, n); err != nil {
		return err
	}

	r.say("\n== Step 2: fault — ratings delayed 1.5s for end-user jason (jason is routed to reviews v3, which calls ratings)")
	if err := r.applyExample(ctx, "ratings-fault.yaml"); err != nil {
		return err
	}
	jason, err := r.get(ctx, http.MethodGet, "/", map[string]string{"end-user": "jason"})
	if err != nil {
		return err
	}
	anon, err := r.get(ctx, http.MethodGet, "/", nil)
	if err != nil {
		return err
	}
	r.say("  FAULT jason=%dms (reviews %s, HTTP %d) anonymous=%dms (reviews %s, HTTP %d)",
		jason.elapsed.Milliseconds(), jason.reviews, jason.code, anon.elapsed.Milliseconds(), anon.reviews, anon.code)

	r.say("\n== Step 3: AuthorizationPolicy — productpage is read-only (DENY POST, PUT, DELETE)")
	if !r.authz {
		r.say("  SKIPPED: bin/filters/authz.wasm is missing (make filters), so meshd enforces no policy")
	} else {
		if err := r.applyExample(ctx, "productpage-authz.yaml"); err != nil {
			return err
		}
		post, err := r.waitCode(ctx, http.MethodPost, "/", http.StatusForbidden)
		if err != nil {
			return err
		}
		get, err := r.get(ctx, http.MethodGet, "/", nil)
		if err != nil {
			return err
		}
		r.say("  DENY POST=%d %q GET=%d", post.code, firstLine(post.body), get.code)
	}

	r.say("\n== Step 4: a Rego Policy — examples/bookinfo/no-admin.rego on productpage (compiled by meshd, evaluated in the proxy)")
	if !r.authz {
		r.say("  SKIPPED: bin/filters/authz.wasm is missing (make filters)")
	} else {
		rego, err := r.example("no-admin.rego")
		if err != nil {
			return err
		}
		if err := r.apply(ctx, "no-admin-policy.yaml", policyConfig(rego)); err != nil {
			return err
		}
		admin, err := r.waitCode(ctx, http.MethodGet, "/admin", http.StatusForbidden)
		if err != nil {
			return err
		}
		home, err := r.get(ctx, http.MethodGet, "/", nil)
		if err != nil {
			return err
		}
		r.say("  REGO /admin=%d %q /=%d", admin.code, firstLine(admin.body), home.code)
	}

	r.say("\n== Step 5: a custom Go filter (examples/filters/hello, built for wasip1) pushed to meshd and deployed with a WasmPlugin")
	hdr, err := r.filterStep(ctx)
	if err != nil {
		return err
	}
	r.say("  FILTER x-wasmesh-hello=%q", hdr)

	r.say("\n== Step 6: what the sidecars reported to meshd's sink (meshctl logs --meshd %s --code 400)", r.state.Meshd)
	if err := r.reportStep(ctx); err != nil {
		return err
	}
	r.say("\nLook around: meshctl proxy-status --meshd %s; meshctl proxy-config routes productpage-v1; dashboard http://%s/ui/", r.state.Meshd, r.state.Meshd)
	return nil
}

// reportStep prints the denials the productpage sidecar reported to
// meshd's sink, with their reasons.
func (r *run) reportStep(ctx context.Context) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		var recs []struct {
			Service string `json:"service"`
			Method  string `json:"method"`
			Path    string `json:"path"`
			Code    int    `json:"code"`
			Reason  string `json:"reason"`
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.state.Meshd+"/v1/report?minCode=400&service=productpage&limit=1000", nil)
		resp, err := r.client.Do(req)
		if err != nil {
			return fmt.Errorf("demo: reading meshd's report sink: %w", err)
		}
		err = json.NewDecoder(resp.Body).Decode(&recs)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("demo: reading meshd's report sink: %w", err)
		}
		reasons := map[string]int{}
		for _, rec := range recs {
			reasons[fmt.Sprintf("%s %s %d %q", rec.Method, rec.Path, rec.Code, rec.Reason)]++
		}
		if len(reasons) >= 2 || !r.authz || time.Now().After(deadline) {
			keys := make([]string, 0, len(reasons))
			for k := range reasons {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				r.say("  REPORT %s ×%d", k, reasons[k])
			}
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitCode retries a request until it gets code (the new listener takes a moment).
func (r *run) waitCode(ctx context.Context, method, path string, code int) (page, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, err := r.get(ctx, method, path, nil)
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

// pushModule uploads bin/filters/NAME.wasm to meshd's module store and
// returns its sha256.
func (r *run) pushModule(ctx context.Context, name string) (string, error) {
	mod, err := os.ReadFile(r.bin("filters/" + name + ".wasm"))
	if err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	sum := sha256.Sum256(mod)
	digest := hex.EncodeToString(sum[:])
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, "http://"+r.state.Meshd+"/modules/"+digest, bytes.NewReader(mod))
	resp, err := r.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("demo: pushing %s.wasm: %w", name, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("demo: pushing %s.wasm: %s", name, resp.Status)
	}
	r.progress("pushed %s.wasm to meshd's module store: sha256:%s (%d bytes)", name, digest, len(mod))
	return digest, nil
}

// filterStep deploys hello.wasm on productpage and returns the header the
// filter added.
func (r *run) filterStep(ctx context.Context) (string, error) {
	digest, err := r.pushModule(ctx, "hello")
	if err != nil {
		return "", err
	}
	r.say("  pushed sha256:%s", digest)
	if err := r.apply(ctx, "hello-wasmplugin.yaml", helloPlugin(r.state.Meshd, digest)); err != nil {
		return "", err
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		p, err := r.get(ctx, http.MethodGet, "/", nil)
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
