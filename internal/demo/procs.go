package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is one started binary as the state file records it.
type Process struct {
	Name  string `json:"name"`
	PID   int    `json:"pid"`
	Admin string `json:"admin,omitempty"` // meshproxy admin host:port
	Log   string `json:"log"`
}

// State is what Down needs to stop a running demo.
type State struct {
	// Owner is the pid of the `meshctl demo up` that started the processes.
	Owner     int       `json:"owner"`
	Meshd     string    `json:"meshd"`   // monitoring host:port
	Gateway   string    `json:"gateway"` // ingress base URL
	Processes []Process `json:"processes"`
}

// StateFile is the state file's name inside the demo directory.
const StateFile = "state.json"

func (s *State) save(dir string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+StateFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, StateFile))
}

// LoadState reads a demo directory's state file.
func LoadState(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("demo: %s: %w", StateFile, err)
	}
	return &s, nil
}

// start runs a binary with its output in dir/logs/name.log, in its own
// process group so a terminal's Ctrl-C reaches only meshctl, which then
// stops it.
func start(dir, name, bin string, args ...string) (*exec.Cmd, Process, error) {
	logPath := filepath.Join(dir, "logs", name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, Process{}, fmt.Errorf("demo: %w", err)
	}
	defer f.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, Process{}, fmt.Errorf("demo: starting %s: %w", name, err)
	}
	return cmd, Process{Name: name, PID: cmd.Process.Pid, Log: logPath}, nil
}

// stopPID sends SIGTERM, waits up to grace, then SIGKILL. It reports
// whether the process was still running.
func stopPID(pid int, grace time.Duration, reap func(int) bool) bool {
	p, err := os.FindProcess(pid)
	if err != nil || p.Signal(syscall.Signal(0)) != nil {
		return false
	}
	_ = p.Signal(syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if reap(pid) || p.Signal(syscall.Signal(0)) != nil {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = p.Signal(syscall.SIGKILL)
	reap(pid)
	return true
}

// Down stops every process of the demo whose state is in dir and removes
// the state file.
func Down(dir string, progress func(string)) error {
	st, err := LoadState(dir)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("demo: no demo running here (%s missing)", filepath.Join(dir, StateFile))
	}
	if err != nil {
		return err
	}
	stopAll(st.Processes, progress, func(int) bool { return false })
	// the interactive `demo up` waiting for Ctrl-C ends too
	if st.Owner != os.Getpid() && stopPID(st.Owner, 5*time.Second, func(int) bool { return false }) {
		progress(fmt.Sprintf("stopped meshctl demo up (pid %d)", st.Owner))
	}
	if err := os.Remove(filepath.Join(dir, StateFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// stopAll stops processes in reverse start order.
func stopAll(ps []Process, progress func(string), reap func(int) bool) {
	for i := len(ps) - 1; i >= 0; i-- {
		if stopPID(ps[i].PID, 3*time.Second, reap) {
			progress(fmt.Sprintf("stopped %s (pid %d)", ps[i].Name, ps[i].PID))
		}
	}
}

// freePort returns a loopback port that was free a moment ago, below
// Linux's default ephemeral range (32768+) so outgoing connections do not
// take it before the process that is to listen there starts.
func freePort(taken map[int]bool) (int, error) {
	for range 200 {
		p := 20000 + rand.IntN(12000)
		if taken[p] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue
		}
		l.Close()
		taken[p] = true
		return p, nil
	}
	return 0, errors.New("demo: no free loopback port between 20000 and 32000")
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
