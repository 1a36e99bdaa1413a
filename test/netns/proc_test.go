//go:build linux

package netns

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/wasmesh/wasmesh/test/fixture"
)

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

// start runs p until the test ends (see fixture.Start). If the test binary
// dies first, the kernel kills the process (Pdeathsig, see startIn).
func start(t *testing.T, p proc) *fixture.Process {
	t.Helper()
	cmd := exec.Command(p.path, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred, Pdeathsig: syscall.SIGKILL}
	return fixture.StartWith(t, p.name, cmd, func(cmd *exec.Cmd) (func(), error) {
		release := make(chan struct{})
		if err := startIn(p.ns, cmd, release); err != nil {
			return nil, err
		}
		return func() { close(release) }, nil
	})
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
