// Package kubetest runs a real Kubernetes control plane for tests: etcd (from
// Debian's etcd-server) and kube-apiserver v1.37.2 (built by
// test/kube/setup.sh into .cache/kube/bin), both on loopback ports in a
// temporary directory, with generated serving and client certificates, a
// service-account signing key (so TokenRequest and TokenReview work) and
// --endpoint-reconciler-type=none. No controller-manager, scheduler or
// kubelet run: tests create the objects those would.
//
// A test package shares one cluster:
//
//	func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
//
//	func TestX(t *testing.T) {
//		c := kubetest.Get(t) // starts the cluster on first use
//		...
//	}
//
// When a binary is missing, Get fails the test with a message naming
// test/kube/setup.sh.
package kubetest
