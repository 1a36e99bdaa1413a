package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/control/config/configapi"
)

// Config of a demo run.
type Config struct {
	// Dir keeps the state file, logs, meshd's config and data (.cache/demo).
	Dir string
	// Bin holds meshd, meshproxy, bookinfo and filters/*.wasm; missing
	// ones are built from Root.
	Bin string
	// Root is the wasmesh checkout.
	Root string
	// NonInteractive runs the steps, prints and stops everything.
	NonInteractive bool
	// Requests per traffic burst (default 100).
	Requests int
	// Out receives the narrative, Progress the progress lines.
	Out, Progress io.Writer
}

// run is one demo in progress.
type run struct {
	cfg     Config
	state   State
	mu      sync.Mutex
	cmds    map[int]*exec.Cmd
	done    map[int]chan struct{}
	api     *configapi.Client
	gateway string
	client  *http.Client
	ws      []workload
	authz   bool
	secure  string // meshd's xDS + CA over TLS
}

func (r *run) progress(format string, args ...any) {
	fmt.Fprintf(r.cfg.Progress, "• "+format+"\n", args...)
}

// Up starts the demo mesh and runs its steps. Interactive runs keep the
// mesh up until ctx ends; every process started is stopped before Up returns.
func Up(ctx context.Context, cfg Config) (err error) {
	if cfg.Requests <= 0 {
		cfg.Requests = 100
	}
	if st, err := LoadState(cfg.Dir); err == nil {
		return fmt.Errorf("demo: a demo is already running (meshd %s); stop it with 'meshctl demo down'", st.Meshd)
	}
	// a fresh config directory: the demo applies its steps from scratch
	if err := os.RemoveAll(filepath.Join(cfg.Dir, "config")); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, d := range []string{"logs", "config", "data"} {
		if err := os.MkdirAll(filepath.Join(cfg.Dir, d), 0o755); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	r := &run{cfg: cfg, cmds: map[int]*exec.Cmd{}, done: map[int]chan struct{}{},
		client: &http.Client{Timeout: 15 * time.Second}, state: State{Owner: os.Getpid()}}
	defer func() {
		r.stop()
		if rmErr := os.Remove(filepath.Join(cfg.Dir, StateFile)); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) && err == nil {
			err = rmErr
		}
	}()
	if err := r.binaries(ctx); err != nil {
		return err
	}
	if err := r.startMesh(ctx); err != nil {
		return err
	}
	if err := r.steps(ctx); err != nil {
		return err
	}
	if cfg.NonInteractive {
		return nil
	}
	fmt.Fprintf(cfg.Out, "\nThe mesh stays up: %s (gateway), http://%s/ui/ (dashboard). Ctrl-C or 'meshctl demo down' stops it.\n", r.gateway, r.state.Meshd)
	<-ctx.Done()
	return nil
}

func (r *run) bin(name string) string { return filepath.Join(r.cfg.Bin, name) }

// binaries builds what bin/ lacks.
func (r *run) binaries(ctx context.Context) error {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	for _, b := range []struct{ out, pkg string }{{"meshd", "./cmd/meshd"}, {"meshproxy", "./cmd/meshproxy"}, {"bookinfo", "./examples/bookinfo"}} {
		if _, err := os.Stat(r.bin(b.out)); err == nil {
			continue
		}
		r.progress("building %s ...", b.out)
		if err := r.goBuild(ctx, goTool, nil, r.bin(b.out), b.pkg); err != nil {
			return err
		}
	}
	for _, f := range []string{"authz", "telemetry", "hello"} {
		out := r.bin(filepath.Join("filters", f+".wasm"))
		if _, err := os.Stat(out); err == nil {
			continue
		}
		pkg := "./filters/" + f
		if f == "hello" {
			pkg = "./examples/filters/hello"
		}
		r.progress("building %s (GOOS=wasip1) ...", out)
		if err := r.goBuild(ctx, goTool, []string{"GOOS=wasip1", "GOARCH=wasm"}, out, "-buildmode=c-shared", pkg); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) goBuild(ctx context.Context, goTool string, env []string, out string, args ...string) error {
	cmd := exec.CommandContext(ctx, goTool, append([]string{"build", "-o", out}, args...)...)
	cmd.Dir = r.cfg.Root
	cmd.Env = append(os.Environ(), env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("demo: building %s: %w\n%s", out, err, msg)
	}
	return nil
}

func (r *run) spawn(name, bin string, args ...string) (*Process, error) {
	cmd, p, err := start(r.cfg.Dir, name, bin, args...)
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	r.mu.Lock()
	r.cmds[p.PID], r.done[p.PID] = cmd, done
	r.state.Processes = append(r.state.Processes, p)
	r.mu.Unlock()
	if err := r.state.save(r.cfg.Dir); err != nil {
		return nil, err
	}
	return &r.state.Processes[len(r.state.Processes)-1], nil
}

// stop stops every process this run started.
func (r *run) stop() {
	stopAll(r.state.Processes, func(s string) { r.progress("%s", s) }, func(pid int) bool {
		select {
		case <-r.done[pid]:
			return true
		default:
			return false
		}
	})
}

func ports(n int) ([]int, error) {
	out := make([]int, n)
	taken := map[int]bool{}
	for i := range out {
		p, err := freePort(taken)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

func (r *run) startMesh(ctx context.Context) error {
	const per = 6
	p, err := ports(5 + per*len(workloads))
	if err != nil {
		return err
	}
	xdsAddr, mon, gw, gwAdmin := "127.0.0.1:"+strconv.Itoa(p[0]), "127.0.0.1:"+strconv.Itoa(p[1]), p[2], p[3]
	r.secure = "127.0.0.1:" + strconv.Itoa(p[4])
	r.state.Meshd = mon
	r.api = &configapi.Client{BaseURL: "http://" + mon, HTTP: r.client}
	args := []string{"--config-dir", filepath.Join(r.cfg.Dir, "config"), "--data-dir", filepath.Join(r.cfg.Dir, "data"),
		"--xds-address", xdsAddr, "--monitor-address", mon, "--secure-xds-address", r.secure, "--auto-mtls",
		"--debounce", "20ms", "--max-debounce", "200ms", "--outbound-traffic-policy", "REGISTRY_ONLY"}
	if authz := r.bin("filters/authz.wasm"); exists(authz) {
		args = append(args, "--authz-filter", authz)
		r.authz = true
	}
	r.progress("starting meshd (xDS %s, xDS+CA over TLS %s, API %s)", xdsAddr, r.secure, mon)
	if _, err := r.spawn("meshd", r.bin("meshd"), args...); err != nil {
		return err
	}
	if err := r.waitOK(ctx, "http://"+mon+"/ready", 15*time.Second); err != nil {
		return err
	}
	r.ws = append([]workload(nil), workloads...)
	for i := range r.ws {
		w := &r.ws[i]
		q := p[5+per*i:]
		w.appPort, w.inPort, w.egress, w.admin, w.stats, w.status = q[0], q[1], q[2], q[3], q[4], q[5]
	}
	r.gateway = "http://127.0.0.1:" + strconv.Itoa(gw)
	r.state.Gateway = r.gateway
	if err := r.apply(ctx, "bookinfo.yaml", baseConfig(r.ws, gw, p[1])); err != nil {
		return err
	}
	digest, err := r.pushModule(ctx, "telemetry")
	if err != nil {
		return err
	}
	if err := r.apply(ctx, "telemetry-wasmplugin.yaml", telemetryPlugins(mon, p[1], digest)); err != nil {
		return err
	}
	for _, w := range r.ws {
		r.progress("starting %s on :%d with its sidecar (inbound :%d, outbound :%d, admin :%d)", w.name(), w.appPort, w.inPort, w.egress, w.admin)
		if _, err := r.spawn(w.name(), r.bin("bookinfo"), "--role", w.app, "--version", w.version, "--namespace", ns,
			"--listen", "127.0.0.1:"+strconv.Itoa(w.appPort), "--outbound", "http://127.0.0.1:"+strconv.Itoa(w.egress)); err != nil {
			return err
		}
		if err := r.sidecar(ctx, w.name()+"-proxy", "bookinfo-"+w.app, bootstrapYAML(w), xdsAddr, w.admin,
			"--stats-port", strconv.Itoa(w.stats), "--status-port", strconv.Itoa(w.status), "--health-port", "0"); err != nil {
			return err
		}
	}
	r.progress("starting the ingress gateway on %s", r.gateway)
	if err := r.sidecar(ctx, "ingressgateway", "bookinfo-ingressgateway", gatewayBootstrap(), xdsAddr, gwAdmin, "--mode", "gateway",
		"--stats-port", "0", "--status-port", "0", "--health-port", "0"); err != nil {
		return err
	}
	r.progress("waiting for every proxy to ACK its configuration, then for traffic through the gateway ...")
	if err := r.waitProxies(ctx, len(r.ws)+1); err != nil {
		return err
	}
	return r.waitOK(ctx, r.gateway+"/", 30*time.Second)
}

// sidecar starts a meshproxy whose identity (service account sa) comes
// from meshd's CA with a token minted for it.
func (r *run) sidecar(ctx context.Context, name, sa, boot, xdsAddr string, admin int, extra ...string) error {
	bootFile := filepath.Join(r.cfg.Dir, "config-"+name+".bootstrap.yaml")
	if err := os.WriteFile(bootFile, []byte(boot), 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	token, err := r.mintToken(ctx, sa)
	if err != nil {
		return err
	}
	args := append([]string{"--bootstrap", bootFile, "--xds-address", xdsAddr, "--admin-port", strconv.Itoa(admin),
		"--ca-address", r.secure, "--token", token, "--ca-bundle-url", "http://" + r.state.Meshd + "/ca/bundle.pem",
		"--service-account", sa,
		"--drain-time", "500ms", "--wasm-cache-dir", filepath.Join(r.cfg.Dir, "wasm-cache")}, extra...)
	p, err := r.spawn(name, r.bin("meshproxy"), args...)
	if err != nil {
		return err
	}
	p.Admin = "127.0.0.1:" + strconv.Itoa(admin)
	return r.state.save(r.cfg.Dir)
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// dead reports a started process that exited, with the end of its log.
func (r *run) dead() error {
	for _, p := range r.state.Processes {
		select {
		case <-r.done[p.PID]:
			return fmt.Errorf("demo: %s exited:\n%s", p.Name, tail(p.Log, 10))
		default:
		}
	}
	return nil
}

// waitOK polls url until it answers 200.
func (r *run) waitOK(ctx context.Context, url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := r.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := r.dead(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo: %s not answering 200 after %v (last: %s); logs are in %s", url, within, last, filepath.Join(r.cfg.Dir, "logs"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// apply sends a config file through meshd's config API and waits until
// every proxy ACKed the push.
func (r *run) apply(ctx context.Context, name, yaml string) error {
	if _, err := r.api.Apply(ctx, name, []byte(yaml)); err != nil {
		return fmt.Errorf("demo: applying %s: %w", name, err)
	}
	return r.synced(ctx)
}

// mintToken asks meshd (loopback only) for a bootstrap token of the
// service account sa in the demo's namespace.
func (r *run) mintToken(ctx context.Context, sa string) (string, error) {
	body, _ := json.Marshal(map[string]string{"namespace": ns, "serviceAccount": sa})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+r.state.Meshd+"/ca/tokens", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("demo: minting a token for %s: %w", sa, err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.Token == "" {
		return "", fmt.Errorf("demo: minting a token for %s: %s %v", sa, resp.Status, err)
	}
	return out.Token, nil
}
