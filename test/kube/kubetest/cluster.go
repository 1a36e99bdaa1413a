package kubetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// ErrMissingBinary is returned by Start when etcd or kube-apiserver is not installed.
var ErrMissingBinary = errors.New("kubetest: missing binary (run test/kube/setup.sh)")

// ServiceAccountIssuer is the issuer of the cluster's service-account tokens.
const ServiceAccountIssuer = "https://kubernetes.default.svc.cluster.local"

// Cluster is a running etcd + kube-apiserver.
type Cluster struct {
	// Config is an admin (system:masters) client config.
	Config *rest.Config
	// Client is a clientset for Config.
	Client kubernetes.Interface
	// Kubeconfig is the path of a kubeconfig file for kubectl.
	Kubeconfig string
	// CA signed the apiserver's serving certificate and accepts client
	// certificates it issues (see CA.Client).
	CA *CA
	// Dir holds the cluster's files; removed by Stop.
	Dir string

	etcd, apiserver *process
	stopOnce        sync.Once
}

// Binaries returns the paths of etcd and kube-apiserver: $KUBE_APISERVER or
// .cache/kube/bin/kube-apiserver in the repository, and etcd from $ETCD or PATH.
func Binaries() (etcd, apiserver string, err error) {
	apiserver = os.Getenv("KUBE_APISERVER")
	if apiserver == "" {
		root, err := repoRoot()
		if err != nil {
			return "", "", err
		}
		apiserver = filepath.Join(root, ".cache", "kube", "bin", "kube-apiserver")
	}
	if _, err := os.Stat(apiserver); err != nil {
		return "", "", fmt.Errorf("%w: kube-apiserver not found at %s", ErrMissingBinary, apiserver)
	}
	etcd = os.Getenv("ETCD")
	if etcd == "" {
		etcd, err = exec.LookPath("etcd")
		if err != nil {
			return "", "", fmt.Errorf("%w: etcd not in PATH (Debian package etcd-server)", ErrMissingBinary)
		}
	}
	return etcd, apiserver, nil
}

// repoRoot finds the module root from this source file's location.
func repoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("kubetest: cannot locate the repository")
	}
	return filepath.Abs(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// Start runs etcd and kube-apiserver in a new temporary directory and waits
// until the apiserver is ready. Call Stop when done.
func Start(ctx context.Context) (*Cluster, error) {
	etcdBin, apiBin, err := Binaries()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kubetest-")
	if err != nil {
		return nil, fmt.Errorf("kubetest: %w", err)
	}
	c := &Cluster{Dir: dir}
	if err := c.start(ctx, etcdBin, apiBin); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context, etcdBin, apiBin string) error {
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	c.etcd, err = startProcess(filepath.Join(c.Dir, "etcd.log"), etcdBin,
		"--name=kubetest",
		"--data-dir="+filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls="+etcdURL,
		"--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=kubetest="+peerURL,
		"--log-level=warn",
	)
	if err != nil {
		return err
	}

	c.CA, err = NewCA("kubetest-ca")
	if err != nil {
		return err
	}
	serving, err := c.CA.Serving([]string{"localhost", "kubernetes", "kubernetes.default.svc"}, []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback})
	if err != nil {
		return err
	}
	admin, err := c.CA.Client("kubetest-admin", "system:masters")
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"ca.crt": c.CA.CertPEM, "serving.crt": serving.CertPEM, "serving.key": serving.KeyPEM,
		"admin.crt": admin.CertPEM, "admin.key": admin.KeyPEM,
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(c.Dir, name), b, 0o600); err != nil {
			return fmt.Errorf("kubetest: %w", err)
		}
	}
	saKey, saPub, err := writeServiceAccountKey(c.Dir)
	if err != nil {
		return err
	}
	host := "https://127.0.0.1:" + strconv.Itoa(ports[2])
	c.apiserver, err = startProcess(filepath.Join(c.Dir, "apiserver.log"), apiBin,
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(ports[2]),
		"--tls-cert-file="+filepath.Join(c.Dir, "serving.crt"),
		"--tls-private-key-file="+filepath.Join(c.Dir, "serving.key"),
		"--client-ca-file="+filepath.Join(c.Dir, "ca.crt"),
		"--service-account-key-file="+saPub,
		"--service-account-signing-key-file="+saKey,
		"--service-account-issuer="+ServiceAccountIssuer,
		"--api-audiences="+ServiceAccountIssuer,
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--cert-dir="+filepath.Join(c.Dir, "certs"),
		"--v=0",
	)
	if err != nil {
		return err
	}
	c.Config = &rest.Config{
		Host: host,
		TLSClientConfig: rest.TLSClientConfig{
			CAData: c.CA.CertPEM, CertData: admin.CertPEM, KeyData: admin.KeyPEM,
		},
		QPS: 200, Burst: 400,
	}
	c.Kubeconfig = filepath.Join(c.Dir, "kubeconfig")
	if err := os.WriteFile(c.Kubeconfig, kubeconfig(host, c.Dir), 0o600); err != nil {
		return fmt.Errorf("kubetest: %w", err)
	}
	c.Client, err = kubernetes.NewForConfig(c.Config)
	if err != nil {
		return fmt.Errorf("kubetest: %w", err)
	}
	return c.waitReady(ctx)
}

// waitReady polls /readyz until it answers ok, a process exits or ctx ends.
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var last error
	for {
		for _, p := range []*process{c.etcd, c.apiserver} {
			if p.exited() {
				return fmt.Errorf("kubetest: %s exited: %s", filepath.Base(p.cmd.Path), p.tail())
			}
		}
		body, err := c.Client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && bytes.Equal(bytes.TrimSpace(body), []byte("ok")) {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("kubetest: apiserver not ready: %v (last error: %v); log: %s", ctx.Err(), last, c.apiserver.tail())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Stop kills the apiserver and etcd and removes Dir. Safe to call twice.
func (c *Cluster) Stop() {
	c.stopOnce.Do(func() {
		if c.apiserver != nil {
			c.apiserver.stop()
		}
		if c.etcd != nil {
			c.etcd.stop()
		}
		if os.Getenv("KUBETEST_KEEP") == "" {
			os.RemoveAll(c.Dir)
		}
	})
}

func kubeconfig(host, dir string) []byte {
	return []byte(`apiVersion: v1
kind: Config
clusters:
- name: kubetest
  cluster:
    server: ` + host + `
    certificate-authority: ` + filepath.Join(dir, "ca.crt") + `
users:
- name: admin
  user:
    client-certificate: ` + filepath.Join(dir, "admin.crt") + `
    client-key: ` + filepath.Join(dir, "admin.key") + `
contexts:
- name: kubetest
  context:
    cluster: kubetest
    user: admin
current-context: kubetest
`)
}

// freePorts reserves n loopback ports by listening and closing.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("kubetest: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// process is a child process whose output goes to a log file.
type process struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func startProcess(logFile, bin string, args ...string) (*process, error) {
	f, err := os.Create(logFile)
	if err != nil {
		return nil, fmt.Errorf("kubetest: %w", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("kubetest: start %s: %w", bin, err)
	}
	p := &process{cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// tail returns the end of the process's log.
func (p *process) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func (p *process) stop() {
	if p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}
