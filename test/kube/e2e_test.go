package kube_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/ca"
	"github.com/wasmesh/wasmesh/control/ca/tokenreview"
	"github.com/wasmesh/wasmesh/control/config"
	"github.com/wasmesh/wasmesh/control/config/kubestore"
	"github.com/wasmesh/wasmesh/control/inject"
	"github.com/wasmesh/wasmesh/control/kube"
	"github.com/wasmesh/wasmesh/internal/meshctl"
	"github.com/wasmesh/wasmesh/proxy/agent/capb"
	regkube "github.com/wasmesh/wasmesh/registry/kube"
	"github.com/wasmesh/wasmesh/test/fixture"
	"github.com/wasmesh/wasmesh/test/kube/kubetest"
	"google.golang.org/grpc/metadata"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// converge is how long the tests wait for the API server, meshd and the
// proxies to reach a state.
const converge = 30 * time.Second

func meshctlRun(t testing.TB, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := meshctl.Run(context.Background(), args, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("meshctl %v: exit %d: %s\n%s", args, code, errb.String(), out.String())
	}
	return out.String()
}

// meshd is the Kubernetes side of one meshd replica, run in the test
// process: the webhooks served with a certificate from the installed CA,
// the config store, the registry watcher and the CA authenticating with
// TokenReview.
type meshd struct {
	authority *ca.CA
	csr       *ca.Server
	store     *kubestore.Store
	registry  *regkube.Watcher
}

func startMeshd(t *testing.T, c *kubetest.Cluster, webhook net.Listener) *meshd {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m := &meshd{}
	var err error
	if m.authority, err = ca.New(ca.Config{Dir: t.TempDir(), PluginDir: caPluginDir(t, c, kube.DefaultNamespace)}, discard); err != nil {
		t.Fatal(err)
	}
	m.csr = ca.NewServer(m.authority, tokenreview.New(c.Client, "istio-ca"), discard)
	if m.store, err = kubestore.New(c.Config, discard, kubestore.Options{}); err != nil {
		t.Fatal(err)
	}
	m.registry = regkube.NewWatcher(c.Client, "", discard)
	srv := &http.Server{
		Handler:           &kube.Webhook{Log: discard, Injector: &kube.Injector{Config: inject.DefaultConfig(), Namespaces: kube.NamespaceLabelsFrom(c.Client)}},
		TLSConfig:         m.authority.ServerTLSConfig("127.0.0.1"),
		ReadHeaderTimeout: 5 * time.Second,
	}
	errs := make(chan error, 3)
	go func() { errs <- srv.Serve(tls.NewListener(webhook, srv.TLSConfig)) }()
	go func() { errs <- m.store.Run(ctx) }()
	go func() { errs <- m.registry.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		srv.Close()
		for range 3 {
			if err := <-errs; err != nil && !errors.Is(err, http.ErrServerClosed) {
				t.Error(err)
			}
		}
	})
	for _, synced := range []<-chan struct{}{m.store.Synced(), m.registry.Synced()} {
		select {
		case <-synced:
		case <-time.After(time.Minute):
			t.Fatal("meshd did not sync")
		}
	}
	return m
}

func TestInstallConfigInjectionDiscoveryIdentity(t *testing.T) {
	c := kubetest.Get(t)
	ctx := context.Background()
	webhook, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	meshctlRun(t, "install", "--kubeconfig", c.Kubeconfig, "--webhook-url", "https://"+webhook.Addr().String())
	m := startMeshd(t, c, webhook)
	ns := c.Namespace(t, "bookinfo", map[string]string{inject.KeyNamespaceInject: "enabled"})

	// Config: the demo's YAML applied with kubectl reaches the store; a bad
	// VirtualService is refused with meshd's message. The webhook uses the
	// installed CA's certificate, trusted through install's caBundle.
	demo, err := os.ReadFile(filepath.Join("testdata", "bookinfo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out string
	fixture.Eventually(t, "kubectl apply of the demo config", converge, func() bool {
		out, err = c.Kubectl(t, string(demo), "apply", "-n", ns, "-f", "-")
		return err == nil
	})
	fixture.Eventually(t, "the demo config in the store", converge, func() bool {
		n := 0
		for _, k := range []string{api.KindVirtualService, api.KindDestinationRule, api.KindPeerAuthentication, api.KindAuthorizationPolicy} {
			n += len(m.store.Current().ListNamespace(k, ns))
		}
		return n == 4
	})
	vs, _ := m.store.Current().Get(api.KindVirtualService, ns, "reviews")
	if w := vs.Spec.(*api.VirtualService).HTTP[1].Route[1].Weight; w != 10 {
		t.Fatalf("stored VirtualService weight %d, want 10", w)
	}
	bad := strings.Replace(string(demo), "weight: 10\n", "weight: 140\n", 1)
	out, err = c.Kubectl(t, bad, "apply", "-n", ns, "-f", "-")
	if err == nil || !strings.Contains(out, "spec.http[1].route[1].weight: must be between 0 and 100, got 140") {
		t.Fatalf("bad VirtualService: err %v, output:\n%s", err, out)
	}
	if _, err := config.DecodeFile("bookinfo.yaml", []byte(bad)); err == nil {
		t.Fatal("control/config accepts the bad VirtualService")
	}

	// Injection: a Pod created through the API gets the sidecar.
	if _, err := c.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "bookinfo-reviews"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var pod *corev1.Pod
	fixture.Eventually(t, "an injected pod", converge, func() bool {
		pod, err = c.Client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "reviews-v1-", Labels: map[string]string{"app": "reviews", "version": "v1"}},
			Spec: corev1.PodSpec{ServiceAccountName: "bookinfo-reviews", NodeName: "node-a",
				Containers: []corev1.Container{{Name: "reviews", Image: "reviews:v1", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 9080}}}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ctr := range pod.Spec.Containers {
			if ctr.Name == inject.ContainerProxy {
				return true
			}
		}
		return false
	})

	// Discovery: the pod (reported running, as no kubelet runs here) behind
	// a Service and its EndpointSlice becomes an endpoint with its identity
	// and locality.
	if _, err := c.Client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a",
		Labels: map[string]string{regkube.LabelRegion: "eu-west", regkube.LabelZone: "eu-west-1a"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.8.0.7", PodIPs: []corev1.PodIP{{IP: "10.8.0.7"}}}
	if pod, err = c.Client.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Client.CoreV1().Services(ns).Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "reviews"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "reviews"}, Ports: []corev1.ServicePort{{Name: "http", Port: 9080}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	port, portName := int32(9080), "http"
	if _, err := c.Client.DiscoveryV1().EndpointSlices(ns).Create(ctx, &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "reviews-x", Labels: map[string]string{discoveryv1.LabelServiceName: "reviews"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &portName, Port: &port}},
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.8.0.7"}, NodeName: &pod.Spec.NodeName, TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: pod.Name, Namespace: ns}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	host := "reviews." + ns + ".svc.cluster.local"
	fixture.Eventually(t, "the reviews endpoint", converge, func() bool { return len(m.registry.View().Endpoints(host, 9080)) == 1 })
	ep := m.registry.View().Endpoints(host, 9080)[0]
	if ep.ServiceAccount != "bookinfo-reviews" || ep.Labels["version"] != "v1" || ep.Locality != "eu-west/eu-west-1a" || ep.Workload != pod.Name {
		t.Fatalf("endpoint = %+v", ep)
	}

	// Identity: the pod's projected token (bound to the pod, audience
	// istio-ca as injected) gets the SVID of exactly its service account,
	// chaining to the installed root.
	tr, err := c.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "bookinfo-reviews", &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{
		Audiences: []string{"istio-ca"}, BoundObjectRef: &authnv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id := ca.Identity{Namespace: ns, ServiceAccount: "bookinfo-reviews"}.SPIFFEID("cluster.local")
	resp, err := m.csr.CreateCertificate(metadata.NewIncomingContext(ctx, metadata.Pairs("authorization", "Bearer "+tr.Status.Token)), &capb.Request{CSR: csrFor(t, id)})
	if err != nil {
		t.Fatal(err)
	}
	leaf := parseCert(t, resp.CertChain[0])
	if len(leaf.URIs) != 1 || leaf.URIs[0].String() != id {
		t.Fatalf("SVID URIs %v, want %s", leaf.URIs, id)
	}
	secret, _ := c.Client.CoreV1().Secrets(kube.DefaultNamespace).Get(ctx, kube.CASecretName, metav1.GetOptions{})
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(secret.Data["root-cert.pem"])
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("SVID does not chain to the installed root: %v", err)
	}
	// Deleting the pod revokes its bound token.
	if err := c.Client.CoreV1().Pods(ns).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	fixture.Eventually(t, "the deleted pod's token to be refused", converge, func() bool {
		_, err := m.csr.CreateCertificate(metadata.NewIncomingContext(ctx, metadata.Pairs("authorization", "Bearer "+tr.Status.Token)), &capb.Request{CSR: csrFor(t, id)})
		return err != nil
	})

	out = meshctlRun(t, "uninstall", "--kubeconfig", c.Kubeconfig, "--keep-crds")
	if !strings.Contains(out, "deleted ValidatingWebhookConfiguration "+kube.ValidatorName) {
		t.Fatalf("uninstall output:\n%s", out)
	}
}

func parseCert(t *testing.T, p string) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		t.Fatalf("not PEM: %q", p)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
