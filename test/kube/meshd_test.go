package kube_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/wasmesh/wasmesh/control/ca"
	"github.com/wasmesh/wasmesh/control/inject"
	"github.com/wasmesh/wasmesh/control/kube"
	"github.com/wasmesh/wasmesh/control/pilot/xds/xdstest"
	"github.com/wasmesh/wasmesh/control/server"
	"github.com/wasmesh/wasmesh/proxy/agent/capb"
	"github.com/wasmesh/wasmesh/proxy/xdsclient"
	"github.com/wasmesh/wasmesh/test/fixture"
	"github.com/wasmesh/wasmesh/test/kube/kubetest"
)

var meshNamespaces atomic.Int64

// installMesh runs `meshctl install` into a namespace of its own with the
// webhooks pointing at webhookAddr, and returns that namespace. When the
// test ends it deletes the webhook configurations (a namespace cannot be
// deleted here: no namespace controller runs to finish it).
func installMesh(t testing.TB, c *kubetest.Cluster, webhookAddr string) string {
	t.Helper()
	ns := fmt.Sprintf("wasmesh-t%d", meshNamespaces.Add(1))
	meshctlRun(t, "install", "--kubeconfig", c.Kubeconfig, "--namespace", ns, "--webhook-url", "https://"+webhookAddr)
	t.Cleanup(func() {
		adm := c.Client.AdmissionregistrationV1()
		ctx := context.Background()
		if err := adm.ValidatingWebhookConfigurations().Delete(ctx, kube.ValidatorName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Error(err)
		}
		if err := adm.MutatingWebhookConfigurations().Delete(ctx, kube.InjectorName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Error(err)
		}
	})
	return ns
}

// installMeshWithoutWebhooks is installMesh for tests where no meshd
// serves the webhooks: it drops their configurations, so that kubectl
// apply and pod creation do not wait for them.
func installMeshWithoutWebhooks(t *testing.T, c *kubetest.Cluster) string {
	t.Helper()
	ns := installMesh(t, c, fixture.FreeAddr(t))
	adm, ctx := c.Client.AdmissionregistrationV1(), context.Background()
	if err := adm.ValidatingWebhookConfigurations().Delete(ctx, kube.ValidatorName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := adm.MutatingWebhookConfigurations().Delete(ctx, kube.InjectorName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	return ns
}

// caPluginDir lays the installed cacerts secret out as its volume would be
// mounted in meshd's pod.
func caPluginDir(t testing.TB, c *kubetest.Cluster, meshNS string) string {
	t.Helper()
	secret, err := c.Client.CoreV1().Secrets(meshNS).Get(context.Background(), kube.CASecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, b := range secret.Data {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// asMeshd is the cluster's admin config impersonating the service account
// install made for meshd, so meshd runs with install's RBAC.
func asMeshd(c *kubetest.Cluster, meshNS string) *rest.Config {
	rc := rest.CopyConfig(c.Config)
	rc.Impersonate.UserName = "system:serviceaccount:" + meshNS + ":" + kube.MeshdName
	return rc
}

// runMeshd starts meshd in Kubernetes mode in this process with rc; it
// stops when the test ends. A zero debounce is meshd's default (100ms).
func runMeshd(t testing.TB, c *kubetest.Cluster, rc *rest.Config, meshNS, webhookAddr, lease string, debounce time.Duration) *server.Server {
	t.Helper()
	s, err := server.New(server.Config{
		Kubernetes: &server.KubeConfig{Rest: rc, Namespace: meshNS, WebhookAddr: webhookAddr, LeaseName: lease, Identity: "meshd-in-process",
			LeaseDuration: 6 * time.Second, RenewDeadline: 4 * time.Second, RetryPeriod: 500 * time.Millisecond},
		DataDir: t.TempDir(), PluginCADir: caPluginDir(t, c, meshNS), Debounce: debounce,
		XDSAddr: "127.0.0.1:0", SecureXDSAddr: "127.0.0.1:0", MonitorAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	fixture.Go(t, "meshd", s.Run)
	return s
}

// sidecarNode is the xDS node of a simulated sidecar of app in ns.
func sidecarNode(t testing.TB, ns, name, app string) *corev3.Node {
	t.Helper()
	md, err := structpb.NewStruct(map[string]any{"NAME": name, "NAMESPACE": ns, "INSTANCE_IPS": "127.0.0.1",
		"LABELS": map[string]any{"app": app}})
	if err != nil {
		t.Fatal(err)
	}
	return &corev3.Node{Id: name + "." + ns, Metadata: md}
}

// resourcesText is a proxy's accepted resources of a type as JSON text,
// for substring checks.
func resourcesText(p *xdstest.Proxy, typeURL string) string {
	var b strings.Builder
	for _, m := range p.Resources(typeURL) {
		out, _ := protojson.Marshal(m.(proto.Message))
		b.Write(out)
	}
	return b.String()
}

// reviewsEndpoints is a proxy's accepted EDS resource of the reviews
// service of ns as JSON text ("" when it has none).
func reviewsEndpoints(p *xdstest.Proxy, ns string) string {
	m, ok := p.Resources(xdsclient.EndpointType)["outbound|9080||reviews."+ns+".svc.cluster.local"]
	if !ok {
		return ""
	}
	out, _ := protojson.Marshal(m)
	return string(out)
}

// virtualHostHas reports whether a proxy's routes have a virtual host for
// host whose JSON contains every one of want.
func virtualHostHas(p *xdstest.Proxy, host string, want ...string) bool {
	for _, m := range p.Resources(xdsclient.RouteType) {
		rc, ok := m.(*routev3.RouteConfiguration)
		if !ok {
			continue
		}
		for _, vh := range rc.VirtualHosts {
			if !slices.Contains(vh.Domains, host) {
				continue
			}
			out, _ := protojson.Marshal(vh)
			if !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(string(out), w) }) {
				return true
			}
		}
	}
	return false
}

// createReviews creates Service reviews (port 9080) and its EndpointSlice
// with one endpoint at ip.
func createReviews(t testing.TB, c *kubetest.Cluster, ns, ip string) *discoveryv1.EndpointSlice {
	t.Helper()
	ctx := context.Background()
	if _, err := c.Client.CoreV1().Services(ns).Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "reviews"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "reviews"}, Ports: []corev1.ServicePort{{Name: "http", Port: 9080}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	port, portName := int32(9080), "http"
	es, err := c.Client.DiscoveryV1().EndpointSlices(ns).Create(ctx, &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "reviews-1", Labels: map[string]string{discoveryv1.LabelServiceName: "reviews"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &portName, Port: &port}},
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{ip}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func waitProxy(t testing.TB, p *xdstest.Proxy, what string, cond func(*xdstest.Proxy) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Wait(ctx, cond); err != nil {
		t.Fatalf("proxy: waiting for %s: %v\nlisteners: %s\nroutes: %s", what, err,
			resourcesText(p, xdsclient.ListenerType), resourcesText(p, xdsclient.RouteType))
	}
}

const reviewsVS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - match:
    - headers:
        end-user: {exact: jason}
    route:
    - destination: {host: reviews}
    timeout: 3s
  - route:
    - destination: {host: reviews}
      weight: 100
`

// TestMeshdKubernetesMode runs meshd with --config-source=kubernetes: a
// VirtualService applied with kubectl and an EndpointSlice reach a
// simulated proxy; a bad one is refused by meshd's own webhook (TLS with a
// CA certificate), which also injects a pod; the CA takes pods' tokens (TokenReview) and meshd's
// bootstrap tokens; the single replica leads and owns the webhooks'
// caBundle.
func TestMeshdKubernetesMode(t *testing.T) {
	c := kubetest.Get(t)
	ctx := context.Background()
	whAddr := fixture.FreeAddr(t)
	meshNS := installMesh(t, c, whAddr)
	ns := c.Namespace(t, "kmode", nil)
	createReviews(t, c, ns, "10.20.0.1")
	s := runMeshd(t, c, asMeshd(c, meshNS), meshNS, whAddr, "meshd-kmode", 0)

	p, err := xdstest.Start(xdstest.Options{Address: s.XDSAddr(), Node: sidecarNode(t, ns, "ratings-1", "ratings")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	waitProxy(t, p, "the reviews endpoint", func(p *xdstest.Proxy) bool {
		return strings.Contains(reviewsEndpoints(p, ns), `"10.20.0.1"`)
	})

	out, err := c.Kubectl(t, reviewsVS, "apply", "-n", ns, "-f", "-")
	if err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
	waitProxy(t, p, "the VirtualService's routes", func(p *xdstest.Proxy) bool {
		return virtualHostHas(p, "reviews."+ns+".svc.cluster.local", "jason", `"3s"`)
	})
	out, err = c.Kubectl(t, strings.Replace(reviewsVS, "weight: 100", "weight: 140", 1), "apply", "-n", ns, "-f", "-")
	if err == nil || !strings.Contains(out, "must be between 0 and 100, got 140") {
		t.Fatalf("bad VirtualService through meshd's webhook: err %v, output:\n%s", err, out)
	}

	// The injector: a Pod created through the API in a labelled namespace
	// gets the sidecar from meshd's mutating webhook.
	injected := c.Namespace(t, "kmode-inject", map[string]string{inject.KeyNamespaceInject: "enabled"})
	pod, err := c.Client.CoreV1().Pods(injected).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "ratings-1", Labels: map[string]string{"app": "ratings"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "ratings", Image: "ratings:v1"}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(pod.Spec.Containers, func(c corev1.Container) bool { return c.Name == inject.ContainerProxy }) {
		t.Fatalf("pod not injected: containers %v", pod.Spec.Containers)
	}

	// The CA on the TLS port: a pod's service-account token (TokenReview,
	// audience istio-ca) and meshd's own bootstrap token both get an SVID.
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(s.CA().BundlePEM())
	cc, err := grpc.NewClient(s.SecureXDSAddr(), grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: roots, ServerName: "localhost"})))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	caClient := capb.NewClient(cc)
	if _, err := c.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "ratings"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, err := c.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "ratings", &authnv1TokenRequest, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	boot, err := s.Tokens().Mint(ca.Identity{Namespace: ns, ServiceAccount: "reviews"})
	if err != nil {
		t.Fatal(err)
	}
	for sa, token := range map[string]string{"ratings": tr.Status.Token, "reviews": boot} {
		id := ca.Identity{Namespace: ns, ServiceAccount: sa}.SPIFFEID("cluster.local")
		resp, err := caClient.CreateCertificate(bearer(ctx, token), &capb.Request{CSR: csrFor(t, id)})
		if err != nil {
			t.Fatalf("CSR of %s: %v", sa, err)
		}
		if leaf := parseCert(t, resp.CertChain[0]); len(leaf.URIs) != 1 || leaf.URIs[0].String() != id {
			t.Fatalf("SVID of %s: URIs %v", sa, leaf.URIs)
		}
	}
	if _, err := caClient.CreateCertificate(bearer(ctx, "not-a-token"), &capb.Request{CSR: csrFor(t, "spiffe://cluster.local/ns/"+ns+"/sa/ratings")}); err == nil {
		t.Fatal("CA accepted a bad token")
	}

	// The only replica leads; the webhooks trust the CA's bundle.
	fixture.Eventually(t, "leadership", converge, s.IsLeader)
	v, err := c.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, kube.ValidatorName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range v.Webhooks {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(w.ClientConfig.CABundle) {
			t.Fatalf("webhook %s has no caBundle", w.Name)
		}
		if _, err := parseCert(t, string(s.CA().BundlePEM())).Verify(x509.VerifyOptions{Roots: pool}); err != nil {
			t.Fatalf("webhook %s caBundle does not hold the CA's root: %v", w.Name, err)
		}
	}
}

// authnv1TokenRequest asks for a token with the CA's audience.
var authnv1TokenRequest = authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{Audiences: []string{"istio-ca"}}}

func bearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

// TestMeshdLeaderRestoresWebhookCABundle: the leader's single-replica work
// puts the CA's trust bundle back into a webhook configuration whose
// caBundle went stale (as after a root rotation). meshd runs as admin here:
// install's RBAC does not grant meshd the webhook configurations yet.
func TestMeshdLeaderRestoresWebhookCABundle(t *testing.T) {
	c := kubetest.Get(t)
	ctx := context.Background()
	whAddr := fixture.FreeAddr(t)
	meshNS := installMesh(t, c, whAddr)
	adm := c.Client.AdmissionregistrationV1()
	m, err := adm.MutatingWebhookConfigurations().Get(ctx, kube.InjectorName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stale := c.CA.CertPEM // a root that is not the mesh's
	for i := range m.Webhooks {
		m.Webhooks[i].ClientConfig.CABundle = stale
	}
	if _, err := adm.MutatingWebhookConfigurations().Update(ctx, m, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := runMeshd(t, c, c.Config, meshNS, whAddr, "meshd-bundle", 0)
	want := s.CA().BundlePEM()
	fixture.Eventually(t, "the leader to restore the caBundle", converge, func() bool {
		m, err := adm.MutatingWebhookConfigurations().Get(ctx, kube.InjectorName, metav1.GetOptions{})
		return err == nil && len(m.Webhooks) > 0 && string(m.Webhooks[0].ClientConfig.CABundle) == string(want)
	})
	if !s.IsLeader() {
		t.Fatal("the caBundle was written by a replica that does not lead")
	}
}
