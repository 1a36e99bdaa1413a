package kube

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/kube/kubetest"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// Environment of a replica process (this test binary re-executed).
const (
	envReplica    = "WASMESH_TEST_ELECT_REPLICA" // identity
	envKubeconfig = "WASMESH_TEST_ELECT_KUBECONFIG"
	envNamespace  = "WASMESH_TEST_ELECT_NAMESPACE"
)

// runReplicaProcess is the body of a replica process: it campaigns and
// prints "leading" and "stopped" lines until killed. It reports whether
// this process is a replica.
func runReplicaProcess() bool {
	id := os.Getenv(envReplica)
	if id == "" {
		return false
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv(envKubeconfig))
	if err == nil {
		var client kubernetes.Interface
		if client, err = kubernetes.NewForConfig(cfg); err == nil {
			err = Elect(context.Background(), Election{
				Client: client, Namespace: os.Getenv(envNamespace), Name: "meshd", Identity: id,
				LeaseDuration: 3 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 250 * time.Millisecond,
				Log: discard,
			}, func(ctx context.Context) {
				fmt.Println("leading")
				<-ctx.Done()
				fmt.Println("stopped")
			})
		}
	}
	fmt.Fprintln(os.Stderr, "replica:", err)
	return true
}

type replicaProcess struct {
	cmd   *exec.Cmd
	lines chan string
}

func startReplicaProcess(t *testing.T, c *kubetest.Cluster, ns, id string) *replicaProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envReplica+"="+id, envKubeconfig+"="+c.Kubeconfig, envNamespace+"="+ns)
	cmd.Stderr = io.Discard
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &replicaProcess{cmd: cmd, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- strings.TrimSpace(sc.Text())
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return p
}

// TestLeaderProcessKilled runs two replicas as processes, SIGKILLs the one
// that leads and sees the other take over once the lease expires.
func TestLeaderProcessKilled(t *testing.T) {
	c := kubetest.Get(t)
	ns := c.Namespace(t, "kill", nil)
	a := startReplicaProcess(t, c, ns, "meshd-a")
	b := startReplicaProcess(t, c, ns, "meshd-b")
	var leader, other *replicaProcess
	select {
	case l := <-a.lines:
		leader, other = a, b
		if l != "leading" {
			t.Fatalf("replica a printed %q", l)
		}
	case l := <-b.lines:
		leader, other = b, a
		if l != "leading" {
			t.Fatalf("replica b printed %q", l)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("no replica became leader")
	}
	select {
	case l := <-other.lines:
		t.Fatalf("the second replica printed %q while the first leads", l)
	case <-time.After(time.Second):
	}
	killed := time.Now()
	if err := leader.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-other.lines:
		if l != "leading" {
			t.Fatalf("the surviving replica printed %q", l)
		}
		t.Logf("took over %s after the leader was killed", time.Since(killed).Round(time.Millisecond))
	case <-time.After(30 * time.Second):
		t.Fatal("the surviving replica did not take over")
	}
}
