//go:build linux

package netns

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wasmesh/wasmesh/internal/syncbuf"
)

// process is a child process whose output is kept for failure reports.
type process struct {
	name string
	cmd  *exec.Cmd
	out  *syncbuf.Buffer
	done chan struct{}
}

// proc describes a process to start: in the host's namespace (ns == "")
// or a pod's, as root (cred == nil) or another user.
type proc struct {
	name string // for reports
	ns   string
	cred *syscall.Credential
	env  []string
	path string
	args []string
}

// start runs p until the test ends (SIGTERM, then SIGKILL after 5s); its
// output is logged when the test failed. If the test binary dies first,
// the kernel kills the process (Pdeathsig, see startIn).
func start(t *testing.T, p proc) *process {
	t.Helper()
	pr := &process{name: p.name, out: &syncbuf.Buffer{}, done: make(chan struct{})}
	pr.cmd = exec.Command(p.path, p.args...)
	pr.cmd.Env = append(os.Environ(), p.env...)
	pr.cmd.Stdout, pr.cmd.Stderr = pr.out, pr.out
	pr.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred, Pdeathsig: syscall.SIGKILL}
	release := make(chan struct{})
	if err := startIn(p.ns, pr.cmd, release); err != nil {
		t.Fatalf("starting %s: %v", p.name, err)
	}
	go func() { _ = pr.cmd.Wait(); close(pr.done) }()
	t.Cleanup(func() {
		_ = pr.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-pr.done:
		case <-time.After(5 * time.Second):
			_ = pr.cmd.Process.Kill()
			<-pr.done
		}
		close(release)
		if t.Failed() {
			t.Logf("---- %s output ----\n%s", pr.name, syncbuf.Tail(pr.out.String(), 40))
		}
	})
	return pr
}

// startIn starts cmd from a thread of its own, moved into the network
// namespace ns ("" = this one): the child inherits the namespace of the
// thread that forks it, and its Pdeathsig fires when that thread ends. So
// the thread stays locked and parked until release is closed, and then
// ends with its goroutine (a goroutine that exits locked takes its thread
// along): no other goroutine ever runs in a pod's namespace.
func startIn(ns string, cmd *exec.Cmd, release <-chan struct{}) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with this goroutine
		if ns != "" {
			f, err := os.Open("/run/netns/" + ns)
			if err != nil {
				errc <- err
				return
			}
			err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
			f.Close()
			if err != nil {
				errc <- fmt.Errorf("setns %s: %w", ns, err)
				return
			}
		}
		if err := cmd.Start(); err != nil {
			errc <- err
			return
		}
		errc <- nil
		<-release
	}()
	return <-errc
}
