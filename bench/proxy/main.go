// Command proxybench measures meshproxy against nginx, haproxy and Caddy as
// reverse proxies in front of the same backend on loopback, one after the
// other in one run, with wrk, and prints a Markdown table: max rps,
// p50/p90/p99 latency, CPU seconds per 1000 requests and RSS of the proxy.
//
//	apt-get install -y nginx haproxy wrk caddy
//	go build -o /tmp/meshproxy ./cmd/meshproxy
//	go run ./bench/proxy -meshproxy /tmp/meshproxy -duration 10s
//
// With -wasm, an extra meshproxy run has those filters in front of the
// router; a module named authz.wasm gets a compiled policy allowing GET.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	backendPort = 18080
	proxyPort   = 18081
	adminPort   = 18082
)

func main() {
	mesh := flag.String("meshproxy", "/tmp/meshproxy", "meshproxy binary")
	dur := flag.Duration("duration", 10*time.Second, "wrk duration per proxy")
	conns := flag.Int("connections", 64, "wrk connections")
	only := flag.String("only", "", "comma-separated subset: direct,nginx,haproxy,caddy,meshproxy,meshproxy+wasm")
	wasm := flag.String("wasm", "", "comma-separated Wasm filter modules for an extra meshproxy+wasm run (e.g. telemetry.wasm)")
	deadlines := flag.Bool("wasm-deadlines", true, "run meshproxy's Wasm filters with per-callback deadlines (meshproxy --wasm-deadlines)")
	rate := flag.Int("rate", 0, "instead of wrk: send this many requests per second for -duration and report RSS and CPU")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured wrk load on each proxy before its wrk run (0: none; never with -rate)")
	rounds := flag.Int("rounds", 1, "run the proxies this many times, interleaved, and add the medians and per-round ratios (the machine's noise moves single runs by 10 %)")
	flag.Parse()
	globalRounds = max(*rounds, 1)
	globalWarmup = *warmup
	wasmDeadlines = *deadlines
	if *rate > 0 {
		globalRate = *rate
	}
	if err := run(*mesh, *dur, *conns, *only, *wasm); err != nil {
		fmt.Fprintln(os.Stderr, "proxybench:", err)
		os.Exit(1)
	}
}

type result struct {
	name              string
	round             int
	rps               float64
	p50, p90, p99     string
	cpuPer1000, rssMB float64
	errors            string
}

var (
	globalRate   int
	globalRounds = 1
	globalWarmup time.Duration
	rateLines    []string
)

func run(mesh string, dur time.Duration, conns int, only, wasm string) error {
	dir, err := os.MkdirTemp("", "proxybench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil { // nginx workers run as nobody
		return err
	}
	for _, tool := range []string{"nginx", "haproxy", "wrk", "caddy"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: apt-get install -y nginx haproxy wrk caddy", tool)
		}
	}
	backend, err := startNginxBackend(dir)
	if err != nil {
		return err
	}
	defer stop(backend)
	want := func(n string) bool { return only == "" || strings.Contains(","+only+",", ","+n+",") }
	var results []result
	if want("direct") {
		r, err := measure("direct (no proxy)", nil, backendPort, dur, conns)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	proxies := []struct {
		name  string
		start func(string) (*exec.Cmd, error)
	}{
		{"nginx", startNginxProxy}, {"haproxy", startHAProxy}, {"caddy", startCaddy},
		{"meshproxy", func(d string) (*exec.Cmd, error) { return startMeshproxy(d, mesh, "") }},
		{"meshproxy+wasm", func(d string) (*exec.Cmd, error) { return startMeshproxy(d, mesh, wasm) }},
	}
	for round := range globalRounds * len(proxies) {
		p := proxies[round%len(proxies)]
		if !want(p.name) || (p.name == "meshproxy+wasm" && wasm == "") {
			continue
		}
		cmd, err := p.start(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		if err := waitHTTP(proxyPort); err != nil {
			stop(cmd)
			return fmt.Errorf("%s: %w", p.name, err)
		}
		// No warm-up before a fixed rate: a burst at full load would grow the
		// RSS that run measures.
		if globalRate == 0 {
			if err := warm(proxyPort, conns, globalWarmup); err != nil {
				stop(cmd)
				return fmt.Errorf("%s: warm-up: %w", p.name, err)
			}
		}
		if globalRate > 0 {
			line, err := fixedRate(p.name, cmd, proxyPort, globalRate, dur)
			stop(cmd)
			if err != nil {
				return err
			}
			rateLines = append(rateLines, line)
			continue
		}
		r, err := measure(p.name, cmd, proxyPort, dur, conns)
		stop(cmd)
		if err != nil {
			return err
		}
		r.round = round / len(proxies)
		results = append(results, r)
		time.Sleep(time.Second)
	}
	if globalRate > 0 {
		fmt.Printf("fixed rate %d rps for %s, GET of a 1 KiB body, one hop on 127.0.0.1, backend nginx\n\n", globalRate, dur)
		fmt.Println("| proxy | target rps | sent | failed | RSS MB | CPU s / 1000 req |")
		fmt.Println("|---|---:|---:|---:|---:|---:|")
		for _, l := range rateLines {
			fmt.Println(l)
		}
		return nil
	}
	fmt.Printf("wrk -t2 -c%d -d%s, GET of a 1 KiB body, one hop on 127.0.0.1, backend nginx\n\n", conns, dur)
	fmt.Println("| proxy | rps | p50 | p90 | p99 | CPU s / 1000 req | RSS MB | errors |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range results {
		fmt.Printf("| %s | %.0f | %s | %s | %s | %.3f | %.1f | %s |\n", r.name, r.rps, r.p50, r.p90, r.p99, r.cpuPer1000, r.rssMB, r.errors)
	}
	if globalRounds > 1 {
		printRounds(os.Stdout, results)
	}
	return nil
}

func stop(c *exec.Cmd) {
	if c == nil || c.Process == nil {
		return
	}
	_ = c.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = c.Process.Kill()
		<-done
	}
}

// alive reports whether pid runs (not gone, not a zombie awaiting Wait).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z'
}

// warm loads the proxy for d, unmeasured: the first seconds after a start
// (a module's cold compile especially) are not what the run is about.
func warm(port, conns int, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	out, err := exec.Command("wrk", "-t2", fmt.Sprintf("-c%d", conns), "-d"+d.String(),
		fmt.Sprintf("http://127.0.0.1:%d/", port)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	return nil
}

func waitHTTP(port int) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out, err := exec.Command("wrk", "-t1", "-c1", "-d1s", fmt.Sprintf("http://127.0.0.1:%d/", port)).CombinedOutput()
		if err == nil && strings.Contains(string(out), "Requests/sec") && !strings.Contains(string(out), "Non-2xx") {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("port %d never answered 200", port)
}

// cpuAndRSS reads utime+stime (seconds) and VmRSS (MB) of a process.
func cpuAndRSS(pid int) (float64, float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	var cpu float64 = (ut + st) / 100 // USER_HZ
	// Count the children too (nginx and haproxy workers).
	children, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	rss := 0.0
	pids := []int{pid}
	for _, c := range children {
		cb, _ := os.ReadFile(c)
		for _, s := range strings.Fields(string(cb)) {
			n, _ := strconv.Atoi(s)
			pids = append(pids, n)
		}
	}
	for i, p := range pids {
		if i > 0 {
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p)); err == nil {
				f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
				ut, _ := strconv.ParseFloat(f[11], 64)
				st, _ := strconv.ParseFloat(f[12], 64)
				cpu += (ut + st) / 100
			}
		}
		s, err := os.Open(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(s)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "VmRSS:") {
				kb, _ := strconv.ParseFloat(strings.Fields(sc.Text())[1], 64)
				rss += kb / 1024
			}
		}
		s.Close()
	}
	return cpu, rss
}

var (
	reRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reReq = regexp.MustCompile(`([0-9]+) requests in`)
	rePct = regexp.MustCompile(`(?m)^\s+(50|90|99)%\s+(\S+)`)
	reErr = regexp.MustCompile(`(Non-2xx or 3xx responses: \d+|Socket errors: .*)`)
)

func measure(name string, cmd *exec.Cmd, port int, dur time.Duration, conns int) (result, error) {
	var cpu0 float64
	if cmd != nil {
		cpu0, _ = cpuAndRSS(cmd.Process.Pid)
	}
	out, err := exec.Command("wrk", "-t2", fmt.Sprintf("-c%d", conns), "-d"+dur.String(), "--latency",
		fmt.Sprintf("http://127.0.0.1:%d/", port)).CombinedOutput()
	if err != nil {
		if cmd != nil {
			return result{}, fmt.Errorf("wrk %s: %v\n%s\n%s stderr:\n%s", name, err, out, name, stderrTail(cmd))
		}
		return result{}, fmt.Errorf("wrk %s: %v\n%s", name, err, out)
	}
	r := result{name: name, errors: "-"}
	if cmd != nil {
		if !alive(cmd.Process.Pid) {
			return result{}, fmt.Errorf("%s exited during the run:\n%s", name, stderrTail(cmd))
		}
	}
	s := string(out)
	if m := reRPS.FindStringSubmatch(s); m != nil {
		r.rps, _ = strconv.ParseFloat(m[1], 64)
	}
	for _, m := range rePct.FindAllStringSubmatch(s, -1) {
		switch m[1] {
		case "50":
			r.p50 = m[2]
		case "90":
			r.p90 = m[2]
		case "99":
			r.p99 = m[2]
		}
	}
	if m := reErr.FindAllString(s, -1); m != nil {
		r.errors = strings.Join(m, "; ")
	}
	if cmd != nil {
		cpu1, rss := cpuAndRSS(cmd.Process.Pid)
		var n float64
		if m := reReq.FindStringSubmatch(s); m != nil {
			n, _ = strconv.ParseFloat(m[1], 64)
		}
		if n > 0 {
			r.cpuPer1000 = (cpu1 - cpu0) / n * 1000
		}
		r.rssMB = rss
	}
	return r, nil
}
