package kube

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/ca"
	"github.com/wasmesh/wasmesh/control/inject"
	"github.com/wasmesh/wasmesh/test/kube/kubetest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestMain(m *testing.M) {
	if runReplicaProcess() {
		return
	}
	os.Exit(kubetest.Main(m))
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// serveWebhook serves w over TLS on loopback with a certificate from a new
// CA and returns the base URL and the CA bundle.
func serveWebhook(t *testing.T, w *Webhook) (string, []byte) {
	t.Helper()
	authority, err := ca.New(ca.Config{Dir: t.TempDir()}, discard)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: w, TLSConfig: authority.ServerTLSConfig("127.0.0.1"), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(tls.NewListener(l, srv.TLSConfig)); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	}()
	t.Cleanup(func() { srv.Close() })
	return "https://" + l.Addr().String(), authority.BundlePEM()
}

func applyAll(t *testing.T, c *kubetest.Cluster, objs ...*unstructured.Unstructured) {
	t.Helper()
	a, err := NewApplier(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := a.Apply(ctx, objs); err != nil {
		t.Fatal(err)
	}
}

const badVSYAML = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 140
`

func TestWebhooksAgainstAPIServer(t *testing.T) {
	c := kubetest.Get(t)
	var objs []*unstructured.Unstructured
	for _, crd := range CRDs() {
		u, err := ToUnstructured(crd)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, u)
	}
	url, bundle := serveWebhook(t, &Webhook{Log: discard, Injector: &Injector{Config: inject.DefaultConfig(), Namespaces: NamespaceLabelsFrom(c.Client)}})
	opts := InstallOptions{WebhookURL: url}.withDefaults()
	for _, obj := range []runtime.Object{
		validatingWebhook(opts, metav1.ObjectMeta{Name: ValidatorName}, bundle),
		mutatingWebhook(opts, metav1.ObjectMeta{Name: InjectorName}, bundle),
	} {
		u, err := ToUnstructured(obj)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, u)
	}
	applyAll(t, c, objs...)
	t.Cleanup(func() {
		// The webhook server stops with this test: remove its configurations
		// so later tests in this cluster are not refused.
		a, err := NewApplier(c.Config)
		if err == nil {
			err = a.Delete(context.Background(), objs[len(objs)-2:])
		}
		if err != nil {
			t.Error(err)
		}
	})

	t.Run("kubectl apply of bad config fails with meshd's message", func(t *testing.T) {
		ns := c.Namespace(t, "cfg", nil)
		var out string
		deadline := time.Now().Add(30 * time.Second)
		for {
			var err error
			out, err = c.Kubectl(t, badVSYAML, "apply", "-n", ns, "-f", "-")
			if err != nil || time.Now().After(deadline) {
				break
			}
			// The API server may not have loaded the webhook yet: undo and retry.
			c.Kubectl(t, "", "delete", "-n", ns, "virtualservice", "reviews")
			time.Sleep(200 * time.Millisecond)
		}
		for _, want := range []string{`admission webhook "validation.wasmesh.io" denied the request`, "spec.http[0].route[0].weight: must be between 0 and 100, got 140"} {
			if !strings.Contains(out, want) {
				t.Fatalf("kubectl apply output lacks %q:\n%s", want, out)
			}
		}
		good := strings.Replace(badVSYAML, "weight: 140", "weight: 100", 1)
		if out, err := c.Kubectl(t, good, "apply", "-n", ns, "-f", "-"); err != nil {
			t.Fatalf("valid VirtualService refused: %v\n%s", err, out)
		}
		if out, err := c.Kubectl(t, "", "get", "vs", "reviews", "-n", ns, "-o", "jsonpath={.spec.http[0].route[0].weight}"); err != nil || out != "100" {
			t.Fatalf("kubectl get vs = %q, %v", out, err)
		}
	})

	t.Run("pods created through the API are injected per Istio's rules", func(t *testing.T) {
		on := c.Namespace(t, "inject-on", map[string]string{"istio-injection": "enabled"})
		off := c.Namespace(t, "inject-off", nil)
		pod := func(ns, name string, ann map[string]string) *corev1.Pod {
			p := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: ann, Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app:1", Ports: []corev1.ContainerPort{{ContainerPort: 9080}}}}},
			}
			var got *corev1.Pod
			deadline := time.Now().Add(30 * time.Second)
			for {
				var err error
				got, err = c.Client.CoreV1().Pods(ns).Create(context.Background(), p, metav1.CreateOptions{})
				if err != nil {
					t.Fatal(err)
				}
				// Until the API server has loaded the webhook, pods pass untouched.
				if hasProxy(got) || ns == off || ann != nil || time.Now().After(deadline) {
					return got
				}
				c.Client.CoreV1().Pods(ns).Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
				time.Sleep(200 * time.Millisecond)
			}
		}
		if p := pod(on, "web", nil); !hasProxy(p) || p.Annotations[inject.KeyStatus] == "" {
			t.Fatalf("pod in enabled namespace not injected: %+v", p.Spec.Containers)
		}
		if p := pod(on, "optout", map[string]string{inject.KeyInject: "false"}); hasProxy(p) {
			t.Fatal("pod with sidecar.istio.io/inject=false was injected")
		}
		if p := pod(off, "plain", nil); hasProxy(p) {
			t.Fatal("pod in a namespace without istio-injection=enabled was injected")
		}
		if p := pod(off, "optin", map[string]string{inject.KeyInject: "true"}); !hasProxy(p) {
			t.Fatal("pod with sidecar.istio.io/inject=true was not injected")
		}
	})
}

func hasProxy(p *corev1.Pod) bool {
	for _, c := range p.Spec.Containers {
		if c.Name == inject.ContainerProxy {
			return true
		}
	}
	return false
}
