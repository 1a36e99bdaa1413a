package kubetest

import (
	"context"
	"errors"
	"sync"
	"testing"
)

var shared struct {
	once    sync.Once
	cluster *Cluster
	err     error
}

// Get returns the package's shared cluster, starting it on first use. It
// fails the test when the cluster cannot start; a missing binary names
// test/kube/setup.sh.
func Get(t testing.TB) *Cluster {
	t.Helper()
	shared.once.Do(func() {
		shared.cluster, shared.err = Start(context.Background())
	})
	if errors.Is(shared.err, ErrMissingBinary) {
		t.Fatalf("%v\nInstall them with: test/kube/setup.sh (etcd-server from Debian, kube-apiserver v1.37.2 built into .cache/kube/bin)", shared.err)
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.cluster
}

// Main runs the tests and stops the shared cluster afterwards. Use it from
// TestMain: os.Exit(kubetest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if shared.cluster != nil {
		shared.cluster.Stop()
	}
	return code
}

// StartForTest starts a cluster of the test's own, stopped when the test
// ends; for packages that cannot have a TestMain calling Main.
func StartForTest(t testing.TB) *Cluster {
	t.Helper()
	c, err := Start(context.Background())
	if errors.Is(err, ErrMissingBinary) {
		t.Fatalf("%v\nInstall them with: test/kube/setup.sh (etcd-server from Debian, kube-apiserver v1.37.2 built into .cache/kube/bin)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c
}
