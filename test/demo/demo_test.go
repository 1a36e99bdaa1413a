package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var meshctl, binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wasmesh-demo-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		meshctl, binDir = filepath.Join(dir, "meshctl"), filepath.Join(dir, "bin")
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if out, err := exec.Command(goTool, "build", "-o", meshctl, "github.com/wasmesh/wasmesh/cmd/meshctl").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "demo test: building meshctl: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// demoCmd is `meshctl demo ARGS` with the test's bin and state directories.
func demoCmd(stateDir string, args ...string) *exec.Cmd {
	args = append([]string{"demo"}, args...)
	args = append(args, "--dir", stateDir)
	if args[1] == "up" {
		args = append(args, "--bin", binDir)
	}
	return exec.Command(meshctl, args...)
}

var (
	splitLine   = regexp.MustCompile(`SPLIT reviews-v1=(\d+) reviews-v2=(\d+) reviews-v3=(\d+)`)
	metricsLine = regexp.MustCompile(`METRICS reviews-v1=(\d+) reviews-v2=(\d+) reviews-v3=(\d+)`)
	faultLine   = regexp.MustCompile(`FAULT jason=(\d+)ms \(reviews v3, HTTP 200\) anonymous=(\d+)ms \(reviews \w+, HTTP 200\)`)
)

func ints(m []string) [3]int {
	var out [3]int
	for i := range out {
		out[i], _ = strconv.Atoi(m[i+1])
	}
	return out
}

// TestDemoNonInteractive runs every step and checks each printed claim.
func TestDemoNonInteractive(t *testing.T) {
	const requests = 100
	stateDir := t.TempDir()
	cmd := demoCmd(stateDir, "up", "--non-interactive", "--requests", strconv.Itoa(requests))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo up: %v\n%s\n%s", err, stdout.String(), stderr.String())
		}
	case <-time.After(8 * time.Minute): // includes building the binaries and filters
		_ = cmd.Process.Kill()
		t.Fatalf("demo up did not finish\n%s\n%s", stdout.String(), stderr.String())
	}
	out := stdout.String()
	t.Logf("demo output:\n%s", out)

	splits, metrics := splitLine.FindAllStringSubmatch(out, -1), metricsLine.FindAllStringSubmatch(out, -1)
	if len(splits) != 2 || len(metrics) != 2 {
		t.Fatalf("want 2 SPLIT and 2 METRICS lines, got %d and %d", len(splits), len(metrics))
	}
	for i := range splits {
		seen, counted := ints(splits[i]), ints(metrics[i])
		if seen != counted {
			t.Errorf("step %d: the client saw %v, the reviews sidecars counted %v", i, seen, counted)
		}
		if seen[0]+seen[1]+seen[2] != requests {
			t.Errorf("step %d: %v does not add up to %d", i, seen, requests)
		}
	}
	// every request to reviews came over mTLS with productpage's identity
	if m := regexp.MustCompile(`MTLS (\d+) of (\d+) reviews requests over mutual_tls from spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage`).FindAllStringSubmatch(out, -1); len(m) != 2 {
		t.Errorf("want 2 MTLS lines, got %v", m)
	} else {
		for _, x := range m {
			if x[1] != x[2] || x[2] != strconv.Itoa(requests) {
				t.Errorf("mTLS: %s", x[0])
			}
		}
	}
	balanced, canary := ints(splits[0]), ints(splits[1])
	for v, n := range balanced {
		if n < requests/10 {
			t.Errorf("balanced step: reviews-v%d got %d of %d", v+1, n, requests)
		}
	}
	// 90/10: v2 gets nothing, v3 some (P(v3=0) = 0.9^100 ≈ 3e-5), v1 most
	if canary[1] != 0 || canary[2] == 0 || canary[0] < 70 {
		t.Errorf("canary split %v is not 90/10 between v1 and v3", canary)
	}

	m := faultLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no FAULT line")
	}
	jason, anon := atoi(m[1]), atoi(m[2])
	if jason < 1500 || anon > 1000 {
		t.Errorf("fault: jason %dms (want >= 1500), anonymous %dms (want < 1000)", jason, anon)
	}
	for _, want := range []string{
		`DENY POST=403 "RBAC: access denied: RBAC: access denied by policy bookinfo/productpage-read-only" GET=200`,
		`REGO /admin=403 "RBAC: access denied: the admin pages are closed" /=200`,
		`FILTER x-wasmesh-hello="hello"`,
		// the denials reached meshd's sink with their reasons
		`REPORT POST / 403 "RBAC: access denied by policy bookinfo/productpage-read-only"`,
		`REPORT GET /admin 403 "the admin pages are closed"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(stateDir, "state.json")); !os.IsNotExist(err) {
		t.Errorf("state file left behind: %v", err)
	}
	noneLeft(t)
}

// TestDemoDown starts an interactive demo, waits for it to settle, stops
// it with `meshctl demo down` and checks every recorded process is gone.
func TestDemoDown(t *testing.T) {
	stateDir := t.TempDir()
	up := demoCmd(stateDir, "up", "--requests", "5")
	pipe, err := up.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	up.Stderr = &stderr
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "The mesh stays up") {
				ready <- true
			}
		}
		_ = up.Wait()
		close(exited)
	}()
	t.Cleanup(func() { _ = up.Process.Kill() })
	select {
	case <-ready:
	case <-exited:
		t.Fatalf("demo up ended early:\n%s", stderr.String())
	case <-time.After(8 * time.Minute):
		t.Fatalf("demo up never settled:\n%s", stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(stateDir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Owner     int `json:"owner"`
		Processes []struct {
			Name string `json:"name"`
			PID  int    `json:"pid"`
		} `json:"processes"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Processes) != 14 || st.Owner != up.Process.Pid {
		t.Fatalf("state: owner %d (want %d), %d processes (want meshd, 6 apps, 6 sidecars, gateway)", st.Owner, up.Process.Pid, len(st.Processes))
	}
	if out, err := demoCmd(stateDir, "down").CombinedOutput(); err != nil || !strings.Contains(string(out), "demo stopped") {
		t.Fatalf("demo down: %v\n%s", err, out)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("demo up still running after demo down")
	}
	for _, p := range st.Processes {
		if alive(p.PID) {
			t.Errorf("%s (pid %d) still running after demo down", p.Name, p.PID)
		}
	}
	if out, err := demoCmd(stateDir, "down").CombinedOutput(); err == nil || !strings.Contains(string(out), "no demo running") {
		t.Errorf("second demo down: %v %s", err, out)
	}
	noneLeft(t)
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// alive reports whether pid runs and is not a zombie.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil && !strings.Contains(string(b), ") Z ")
}

// noneLeft fails when a process started from the test's binaries runs.
func noneLeft(t *testing.T) {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err == nil && strings.HasPrefix(exe, binDir) && alive(pid) {
			t.Errorf("process %d (%s) left running", pid, exe)
		}
	}
}
